// Complexity pattern tables (keyword / task-type / structure) used by routing/features.ts; data only, no logic.

/**
 * One group of patterns that means one thing about a prompt.
 *
 * `patterns` are regular-expression sources matched against the LOWER-CASED prompt (curly quotes
 * normalised to straight ones); features.ts joins each group into ONE alternation regex at module
 * load, so adding a pattern never adds a pass over the text. Patterns are general phrasings of a kind
 * of request (from the labelling principle in shared/eval/README.md), never copies of specific prompts.
 */
export interface PatternGroup {
  /** Short human-readable reason shown when the group decides or moves the score. */
  readonly reason: string;
  /** Regex sources (no flags, lower-case text). */
  readonly patterns: readonly string[];
}

/** Every named pattern group; ids are used by features.ts and complexity.ts. */
export const patternGroups = {
  // ── Rule 1: chit-chat. Matched against the WHOLE prompt (anchored), so "hi, prove X" is not chit-chat.
  // why: greetings and thanks need no reasoning at all; any model answers them.
  greeting: {
    reason: 'greeting or thanks → any model can answer',
    patterns: [
      "^(?:(?:hi+|hello+|hey+|heya|yo|howdy|hiya|greetings|good (?:morning|afternoon|evening|night|day)|thanks?(?: you)?(?: (?:so|very) much| a lot)?|thx|ty|cheers|bye|goodbye|see (?:you|ya)|ok(?:ay)?|cool|nice|great|awesome|lol|sup|what'?s up|how are you(?: doing)?(?: today)?|how'?s it going|nice to meet you|good job|well done|hola|buenos d[ií]as|buenas|gracias|bonjour|salut|merci(?: beaucoup)?|hallo|guten (?:tag|morgen)|danke(?: sch[öo]n)?|ciao|grazie|ol[áa]|obrigad[oa]|namaste|привет|здравствуйте|спасибо|مرحبا|شكرا|你好|您好|嗨|哈喽|谢谢|謝謝|早上好|晚上好|こんにちは|おはよう(?:ございます)?|ありがとう(?:ございます)?|안녕하세요|안녕|감사합니다)[\\s,!.?~]*)+(?:there|friend|buddy|mate|again|everyone|all|bot|assistant|claude|chatgpt)?[\\s,!.?~]*$",
    ],
  },
  // why: questions about the assistant itself ("who are you?", "can you write code?") are answered from its persona.
  aboutAssistant: {
    reason: 'question about the assistant → any model can answer',
    patterns: [
      "^(?:(?:hi|hello|hey)[\\s,!.]+)?(?:who are you|what are you|what(?:'s| is) your name|who (?:made|created|built|trained|developed) you|are you (?:a |an )?(?:bot|robot|human|person|ai|real|chatgpt|claude|sentient|conscious|alive|there)|what can you do|what are you (?:able|capable) (?:to do|of)|can you (?:help(?: me)?|write code|code|program|speak \\w+|understand \\w+|see images|browse(?: the web)?|remember)|do you (?:speak|understand|dream|remember|have feelings|have a name|like me)|how do you work|what model are you|what language model are you|你是谁|你叫什么|你能做什么)[\\s?!.]*$",
    ],
  },

  // ── Rule 11: character-level and exact-count tasks.
  // why: tokenisers hide letters from small and medium models, so they miscount letters and word occurrences.
  charLevel: {
    reason: 'character-level or exact-count task → small/medium models miscount',
    patterns: [
      "\\bhow many (?:times (?:does|do|is|did) )?(?:the )?(?:letters? |characters? )?['\"]?[a-z]['\"]?(?:'s|s)? (?:are |is |appear |occur )?(?:there )?in\\b",
      '\\bhow many (?:letters|characters|vowels|consonants|syllables|capital letters|uppercase letters|digits) (?:are |does |do |is )?(?:there )?(?:in|does|do)\\b',
      '\\bhow many times (?:does|do|is|did) (?:the (?:word|letter|phrase|name) )?.{1,30} (?:appear|occur|show up|used|mentioned|repeated)',
      '\\bcount (?:the )?(?:number of )?(?:letters|characters|vowels|consonants|syllables|occurrences|times|words|sentences)\\b',
      '\\bnumber of (?:letters|characters|vowels|consonants|syllables|occurrences)\\b',
      '\\bspell(?:ed|ing)? .{1,30}backwards?|\\bbackwards? spelling|\\breverse (?:the )?(?:letters|characters|spelling|order of (?:the )?letters)|\\b(?:word|string) (?:spelled|written) backwards',
      '\\b(?:first|second|third|fourth|fifth|last|\\d+(?:st|nd|rd|th)) letter (?:of|in) (?:each|every|the word)',
      '\\bwhich letter (?:appears|occurs|comes)|\\banagram of|\\bis .{1,30} an anagram|\\bis .{1,30} a palindrome',
      '\\bhow many (?:words|names|items|lines|sentences)\\b.{0,40}\\b(?:contain|have|start|begin|end|include|use)s?\\b',
      '有几个字母|多少个字母|几个字母|字母.{0,6}(?:几|多少)个',
    ],
  },

  // ── Rule 2: a long input is labelled by its ask.
  // why: a title, a date or a name picked out of a long text is a lookup; the length of the text adds no difficulty.
  trivialAsk: {
    reason: 'trivial ask on a long input (title, lookup, yes/no) → labelled by the ask',
    patterns: [
      '\\b(?:give|suggest|propose|write|come up with|create|generate|provide|think of|pick)\\b[^.?!\\n]{0,30}\\b(?:title|headline|heading|subject line|name|hashtag)s?\\b',
      "\\bwhat(?:'s| is| would be| could be) (?:a |the )?(?:good |catchy |short |best )?(?:title|headline|subject line)\\b",
      '\\b(?:what|which) (?:date|day|time|year|month|price|amount|number|address|email address|phone number|room|city|town|village|state|country|place|location|deadline|version|company|organi[sz]ation|product|brand|person|team|port|host|hostname|url|ip|ip address|path|value|timeout|setting|username|database)\\b',
      '\\b(?:what|which|who)\\b[^.?!\\n]{0,40}\\b(?:is|was|are) (?:this|the) (?:text|article|email|document|passage|story|letter|post|message|thread|review|paragraph|report|config|file) (?:about|from|written|addressed|set)\\b',
      '\\bwhen (?:is|was|will|did|does) (?:the|it|this|that|he|she|they)\\b',
      '\\bwho (?:sent|wrote|signed|is the (?:author|sender|recipient|speaker)|was (?:it )?(?:sent|written) (?:to|by))\\b',
      "\\bwhat(?:'s| is) the (?:name|title|author|sender|date|subject|main topic|topic|deadline|total)\\b",
      '\\bwhat (?:is|was) (?:this|the) (?:text|article|email|document|passage|story|letter|post|message|thread) about\\b',
      '\\bwhat language is (?:this|it|the)\\b|\\bwhich language is (?:this|it)\\b',
      '\\bin (?:one|a single|1) (?:word|sentence)\\b|\\bone-word\\b',
      '\\b(?:yes or no|true or false)\\b',
      '\\bis (?:this|the|it) (?:email|text|review|message|comment|article|tweet|post) (?:positive|negative|neutral|spam|formal|informal|sarcastic|urgent)\\b',
      '\\b(?:positive|negative) or (?:negative|positive)\\b|\\bspam or not\\b',
      '(?:起|取|拟|擬)(?:一个|個|个)?标题|什么时候|哪一天|是谁写的',
    ],
  },
  // why: summaries, rewrites and proofreads of provided text are routine generation, however long the text.
  longSummaryRewrite: {
    reason: 'summary or rewrite of provided text → routine for a mid-size model',
    patterns: [
      '\\b(?:summari[sz]e|summary|summarise|tl;?dr|key (?:points|takeaways)|main (?:points|ideas)|gist)\\b',
      '\\b(?:rewrite|re-write|rephrase|paraphrase|reword|proofread|proof-read|edit|copy-?edit|polish|improve|shorten|condense|simplify|tighten|correct|fix (?:the )?(?:grammar|spelling|typos))\\b',
      '\\btranslat\\w*\\b',
      '\\b(?:extract|pull out|list) (?:all |the )?(?:names|dates|entities|action items|keywords|emails|numbers)\\b',
      '总结|概括|摘要|改写|润色|翻译|翻譯|\\brésume|\\bresume este|\\bzusammenfass',
    ],
  },
  // why: reconciling several sources (contradictions, conflicting plans) needs holding all of them in mind at once.
  synthesis: {
    reason: 'synthesis across several sources → needs a frontier model',
    patterns: [
      '\\b(?:contradict\\w*|inconsisten\\w*|discrepanc\\w*|reconcil\\w*|conflicting|conflicts? between)\\b',
      '\\bcross-?referenc\\w*\\b|\\bacross (?:the|these|all|both) (?:documents|sources|reports|emails|texts|papers|plans|transcripts)\\b',
      '\\b(?:compare|synthesi[sz]e) (?:the |these |all )?(?:documents|sources|reports|papers|plans|proposals|transcripts|accounts)\\b',
      '\\bcritical(?:ly)? (?:evaluat\\w+|assess\\w*|apprais\\w+) (?:of )?(?:the )?sources\\b|\\b(?:sources|documents|texts|studies) relate to (?:each other|one another)\\b',
      '矛盾|不一致',
    ],
  },

  // ── Rule 3: pasted code.
  // why: naming the language or pointing at a line is recognition, not reasoning.
  codeTrivialQuestion: {
    reason: 'trivial question about pasted code → labelled by the ask',
    patterns: [
      '\\bwhat (?:programming )?language is (?:this|it|the code)\\b|\\bwhich (?:programming )?language is (?:this|it)\\b',
      '\\bwhich (?:file|line|function|method)(?: and (?:line|file|function))? (?:raises|raised|throws|threw|causes|caused|has|contains|is|failed)\\b|\\bwhat line\\b|\\bon which line\\b',
      '\\bwhat is the name of (?:this|the) (?:function|class|variable|method)\\b|\\bhow many (?:lines|functions|parameters|arguments)\\b',
      '\\bwhat (?:does|will) (?:this|the) (?:code|program|snippet|script|function) (?:print|output|return)\\b',
    ],
  },
  // why: explaining or commenting code is reading comprehension a 7B coder model does well.
  codeExplain: {
    reason: 'explain or comment code → routine for a mid-size model',
    patterns: [
      '\\bexplain\\b|\\bwhat (?:does|is) (?:this|the following|the) (?:code|function|script|snippet|program|regex|query|class|method) (?:do|doing)\\b',
      '\\badd (?:\\w+ )?(?:comments|docstrings?|documentation|type hints|types|jsdoc|annotations)\\b|\\bdocument (?:this|the) (?:code|function)\\b|\\bwalk me through\\b',
      '解释|解釋',
    ],
  },
  // why: finding a real bug, reviewing concurrency or security, or changing long code needs whole-program reasoning.
  codeHardAsk: {
    reason: 'bug hunt, review or non-trivial change in pasted code → needs a frontier model',
    patterns: [
      '\\b(?:find|spot|identify|locate) (?:the |a |any |all |potential )?(?:bugs?|errors?|issues?|problems?|mistakes?|flaws?)\\b|\\bbugs?\\b|\\bbuggy\\b',
      '\\bso (?:that )?(?:this|the|my) (?:code|tests?|program|script|snippet) (?:works|runs|pass(?:es)?|compiles)\\b|\\bmake (?:the |these |this )?tests? pass\\b',
      "\\bwhat(?:'s| is) wrong\\b|\\bwhy (?:does|doesn'?t|isn'?t|is|won'?t|do|don'?t|am i getting)\\b|\\bnot working\\b|\\bdoesn'?t work\\b|\\bfails?\\b",
      '\\b(?:fix|debug|repair|correct) (?:this|the|my|it|these)\\b|\\bdebug\\w*\\b',
      '\\b(?:race conditions?|deadlocks?|thread[- ]safe\\w*|concurren\\w+|mutex|atomic\\w*|memory leaks?|undefined behaviou?r|use-after-free|buffer overflow)\\b',
      '\\b(?:security (?:review|audit|issues?|flaws?|holes?)|vulnerab\\w+|sql injection|xss|csrf|exploit\\w*|sanitiz\\w+)\\b',
      '\\b(?:refactor\\w*|optimi[sz]e|speed up|make (?:it|this) (?:faster|more efficient)|port (?:this|it) to|convert (?:this|it) to|rewrite (?:this|it) (?:in|using|with)|migrate)\\b',
      '\\b(?:add|implement|extend|modify|change|update) (?:\\w+ ){0,3}(?:so that|to support|support for|feature|functionality|a method|a function|an endpoint|handling|caching|pagination|validation|tests?)\\b',
    ],
  },

  // ── Rule 8: math and logic (cloud side).
  // why: small and medium models write confident but invalid proofs; any proof request needs a frontier model.
  proof: {
    reason: 'asks for a proof → needs strong reasoning',
    patterns: [
      '\\b(?:prove|proves|proving|disprove)\\b|\\bproofs?\\b(?! of (?:concept|purchase|address|income|residence|identity|employment|insurance|delivery|age|ownership))',
      '\\bshow (?:rigorously )?that\\b|\\bdemonstrate (?:rigorously )?that\\b|\\bverify (?:rigorously )?that (?:for )?(?:all|every|any)\\b',
      '证明|證明|証明せよ|証明して|증명|\\bbeweise|\\bbeweis\\b|\\bdémontre[rz]?|\\bprouve[rz]?|\\bdemuestra|\\bdemostrar|\\bdimostra|доказ',
    ],
  },
  // why: olympiad-style problems are built to defeat pattern matching.
  competitionMath: {
    reason: 'competition or olympiad problem → needs strong reasoning',
    patterns: [
      '\\b(?:olympiad|imo|usamo|usajmo|aime|amc ?1[02]|amc ?8|putnam|hmmt|mathcounts|math (?:contest|competition)|competition (?:math|problem))\\b',
      '\\b(?:find all|determine all) (?:positive |real |natural |prime |integer |rational )?(?:integers|numbers|pairs|triples|functions|solutions|values|primes)\\b',
      '\\bfor (?:all|every|each) (?:positive )?(?:integers?|real numbers?|natural numbers?|n)\\b',
      '\\b(?:infinitely many|if and only if|iff|necessary and sufficient)\\b',
      '\\bremainder when\\b|\\b(?:last|final) (?:two |three |\\d+ )?digits? of\\b|\\b(?:units|ones) digit of\\b|\\b\\d+ ?\\^ ?\\d{3,}\\b',
      '\\b(?:greatest|least|largest|smallest|maximum|minimum) possible (?:value|number|sum|product|area|perimeter)\\b|\\b\\d{3,}(?:st|nd|rd|th) (?:digit|term|decimal place|place after the decimal)\\b',
      '奥数|竞赛题|数学竞赛|循环小数|第\\s*\\d{3,}\\s*(?:位|个|项)|整数解',
    ],
  },
  // why: counting and combinatorics questions hide double counting and off-by-one traps.
  combinatorics: {
    reason: 'counting or combinatorics problem → easy to get subtly wrong',
    patterns: [
      '\\b(?:in )?how many (?:different |distinct |possible |unique )?(?:ways|arrangements|combinations|permutations|subsets|paths|routes|orderings|outcomes|committees|handshakes|diagonals|positive integers|integers|ordered pairs|triples|solutions|rectangles|triangles|squares)\\b',
      '\\bnumber of (?:different |distinct |possible )?(?:ways|arrangements|permutations|combinations|subsets|paths|orderings|positive integers|integer solutions)\\b',
      '\\b(?:combinatori\\w+|permutations?|n choose k|binomial coefficients?|pigeonhole|inclusion[- ]exclusion|derangements?|stars and bars|catalan numbers?)\\b',
      '\\bhow many (?:[\\w-]+ ){0,2}(?:positive |negative |distinct |different )?(?:integers|ways|arrangements|permutations|subsets|orderings)\\b|\\b(?:\\d+|n|two|three|four|five|six|seven|eight|nine|ten)-digit (?:numbers|integers|codes|passwords|strings)\\b',
      '多少种|几种(?:方法|排列)|排列组合',
    ],
  },
  // why: plain dice/coin probability is textbook; these markers signal the conditional/trap versions.
  probabilityTrap: {
    reason: 'probability with conditions or traps → needs careful reasoning',
    patterns: [
      '\\bat least one\\b|\\bgiven that\\b|\\bconditional probability\\b|\\bbayes\\w*\\b|\\bwithout replacement\\b|\\bexpected (?:number|value|waiting)\\b',
      '\\b(?:removed?|taken out|drawn|draws?|drawing|discarded)\\b|\\b(?:2\\^n|n (?:rounds|players|people|balls|cards|dice|coins|times|trials))\\b|\\bmonty hall\\b|\\bbirthday (?:problem|paradox)\\b|\\bfalse positive\\b',
    ],
  },
  // why: probability questions are at least medium; the trap markers above push them to the cloud.
  probability: {
    reason: 'probability question → at least a mid-size model',
    patterns: [
      '\\b(?:probability|probabilities|odds|likelihood|chances?|expected value|randomly (?:chosen|selected|picked|drawn)|at random|on average)\\b',
      '\\b(?:roll(?:ing|s)? (?:a |two |three )?(?:dice|die)|flip(?:ping|s)? (?:a |two |three )?coins?|deck of (?:\\d+ )?cards|\\d+[- ]card)\\b',
      '概率|几率',
    ],
  },
  // why: truth-teller/liar and hidden-information puzzles need case analysis small models skip.
  logicPuzzle: {
    reason: 'logic puzzle → needs case-by-case reasoning',
    patterns: [
      "\\b(?:knights? and knaves?|knaves?|truth-?tellers?|always lies|always tells the truth|liars?|cheryl'?s birthday|logic (?:puzzle|problem|riddle)|brain ?teaser|zebra puzzle|einstein'?s (?:puzzle|riddle)|who owns the|river crossing|wolf,? (?:a )?goat|hat puzzle|prisoners? (?:and|dilemma puzzle)|trick question)\\b",
      '\\b(?:one of them|each of them) (?:is lying|lies|tells the truth)\\b',
      '逻辑题|说谎|谎话|谎言|真话|假话',
    ],
  },
  // why: search puzzles need exhaustive search or state tracking that language models fake.
  searchPuzzle: {
    reason: 'search puzzle (sudoku, cube, number target) → needs systematic search',
    patterns: [
      "\\b(?:sudoku|rubik'?s?|magic square|n-?queens|eight queens|tower of hanoi|towers of hanoi|24 game|kakuro|nonogram|sokoban|crossword|cryptarithm|word ladder)\\b",
      '\\b(?:using|with) (?:the numbers|each of the numbers|only the numbers|these numbers|the digits)\\b.{0,80}\\b(?:make|get|reach|obtain|equal)\\b',
      '\\b(?:make|get|reach|obtain) \\d+ (?:using|from|with) (?:the numbers|these numbers|only)\\b',
    ],
  },
  // why: number-theory vocabulary marks non-routine math even when no proof is asked for.
  numberTheory: {
    reason: 'number theory or formal math vocabulary → harder math',
    patterns: [
      '\\b(?:divisible by|divisors?|modulo|mod \\d+|remainder when|congruen\\w+|gcd|lcm|diophantine|integer solutions|irrational|rational numbers?|prime factori[sz]ation|primes?|perfect squares?|polynomials?|roots? of unity|sequence|series|converge\\w*|limit|eigen\\w+|matri(?:x|ces)|vectors? space|topolog\\w+|manifold|group theory|isomorph\\w+|homomorph\\w+)\\b',
    ],
  },

  // ── Rule 10: constrained writing.
  // why: lexical and counting constraints over a long output (no commas, letter limits, exact word counts) break small models.
  lexicalConstraint: {
    reason: 'lexical or counting constraint over the output → small/medium models violate it',
    patterns: [
      "\\bwithout (?:using )?(?:any |a single )?(?:commas?|the letters?|the words?|punctuation|the character)\\b|\\bno commas\\b|\\bno (?:word|sentence|line)s? (?:contains?|uses?|has|includes?|starts? with)\\b|\\b(?:contains?|containing|uses?|using) the letter\\b|\\b(?:do not|don't|never) use (?:any |a single )?(?:commas?|the letters?|the words?|punctuation)\\b",
      '\\b(?:the )?letter [\'"]?[a-z][\'"]? (?:should |must |may |can )?(?:only )?(?:appear|be used|occur)\\b|\\bletter [\'"]?[a-z][\'"]? (?:at (?:most|least)|exactly|no more than)\\b',
      '\\b(?:at least|at most|no more than|no fewer than|exactly) (?:\\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty) times\\b',
      '\\bexactly (?:\\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|fifty|hundred)(?: hundred| thousand)? (?:words|sentences|paragraphs|lines|bullet points|letters|characters|syllables|stanzas|verses)\\b',
      '\\b(?:lipogram|acrostic|univocalic|pangram|alliterati\\w+|palindromic)\\b|\\b(?:each|every) (?:word|line|sentence|paragraph) (?:must |should |has to |needs to )?(?:start|begin|end)s? with\\b|\\b(?:line|first) (?:initials|letters)\\b.{0,40}\\bspell\\b|\\binitial letters\\b.{0,40}\\bspell\\b',
      '\\b(?:proof|prove)\\b.{0,60}\\b(?:rhym\\w*|poem|sonnet|limerick|verse|song)\\b|\\b(?:rhym\\w*|poem|sonnet|limerick|verse|song)\\b.{0,60}\\b(?:proof|prove)\\b',
      '\\b(?:words?|sentences?|lines?) (?:in|are in) (?:reverse )?alphabetical order\\b|\\bonly (?:one-syllable|monosyllabic) words\\b',
      '不能(?:使用|用|出现).{0,4}(?:字|逗号)|每(?:句|行)(?:的)?(?:开头|第一个字)|藏头',
    ],
  },
  // why: a single easy format rule is medium; several stacked rules (IFEval style) overload small models.
  formatConstraint: {
    reason: 'explicit format constraints',
    patterns: [
      '\\b(?:all (?:in )?(?:lowercase|lower case|lower-case|uppercase|upper case|capital letters|caps)|entirely in (?:lowercase|uppercase|english))\\b',
      '\\b(?:less|fewer|more) than \\d+ (?:words|sentences|paragraphs|characters)\\b|\\bat (?:least|most) \\d+ (?:words|sentences|paragraphs|bullet points|sections|characters)\\b|\\b(?:under|over|no more than|no less than|max(?:imum)?|min(?:imum)?) (?:of )?\\d+ (?:words|sentences|paragraphs|characters)\\b',
      '\\bin (?:\\d+|one|two|three|four|five) (?:words|sentences|paragraphs|bullet points|lines)\\b|\\b\\d+ (?:paragraphs|bullet points|sections)\\b',
      '\\bwrap (?:your|the) (?:entire )?(?:response|answer|output)\\b|\\bdouble quot\\w+\\b|<<[^>]{0,40}>>|\\b(?:double )?angular brackets\\b',
      '\\b(?:in json|json format|valid json|as json|markdown (?:table|format)|in a table|bullet points?|numbered list|markdown bullet)\\b',
      '\\bend (?:your (?:response|answer|email|letter) )?with (?:the )?(?:exact )?(?:phrase|sentence|word)\\b|\\bp\\.s\\.|\\bpostscript\\b',
      '\\bhighlight (?:at least )?\\d+ sections?\\b|\\bsections? (?:marked|titled|labeled) with\\b|\\bseparated? (?:by|with) (?:the markdown divider|\\*\\*\\*)\\b|\\bplaceholders?\\b|\\bsquare brackets\\b',
      "\\b(?:do not|don't) (?:include|use|mention) (?:the )?(?:words?|keywords?)\\b|\\binclude (?:the )?keywords?\\b|\\b(?:your (?:entire )?(?:response|answer) (?:should|must) be in)\\b|\\brespond (?:only )?in\\b",
      '\\b(?:first|second|third) (?:paragraph|word) (?:must|should)\\b|\\btitle (?:in|wrapped in)\\b|\\bno (?:capital letters|capitals)\\b',
    ],
  },

  // ── Rule 12 / 10: languages small and medium models barely know.
  // why: low-resource and constructed languages, and classical-Chinese wordplay, are where 1-8B models produce gibberish.
  lowResourceLanguage: {
    reason: 'output in a low-resource or constructed language → needs a frontier model',
    patterns: [
      '\\b(?:in|into|to|using) (?:\\w+ )?(?:kannada|telugu|tamil|malayalam|sinhala|sinhalese|amharic|tigrinya|oromo|yoruba|igbo|hausa|zulu|xhosa|somali|khmer|lao|burmese|tibetan|uyghur|pashto|sindhi|nepali|odia|oriya|assamese|gujarati|punjabi|marathi|quechua|guarani|aymara|navajo|hawaiian|maori|samoan|tongan|basque|welsh|irish|scottish gaelic|faroese|icelandic|maltese|latin|ancient greek|old english|old norse|sanskrit|pali|classical chinese|esperanto|klingon|toki pona|quenya|sindarin|dothraki)\\b',
      '\\blojban\\b|\\btoki pona\\b|\\bklingon\\b',
      '文言文|文言|古文|对联|對聯|藏头诗|回文诗|歇后语|谐音|双关|雙關|绕口令|字谜|灯谜',
    ],
  },

  // ── Rule 7: code (cloud side).
  // why: niche and low-level targets have little training data in small models; their code does not compile.
  nicheCodeTarget: {
    reason: 'niche or low-level code target → little training data in local models',
    patterns: [
      '\\b(?:assembly|assembler|asm|x86(?:-64)?|x64|arm64|aarch64|armv\\d|risc-?v|mips|ppc64\\w*|powerpc|6502|z80|avr)\\b',
      '\\b(?:lean ?4|lean theorem prover|coq|isabelle|agda|idris|tla\\+|alloy|dafny|f\\*)\\b',
      '\\b(?:zig|glsl|hlsl|wgsl|metal shading|shaders?|cuda kernels?|opencl|spir-?v|verilog|systemverilog|sv constraints?|vhdl|fpga|chisel|uvm)\\b',
      '\\b(?:kernel modules?|device drivers?|linux kernel|bootloader|ebpf|bpf program|bare[- ]metal|firmware|interrupt handler|rtos)\\b',
      '\\b(?:shakespeare programming language|brainf\\*?\\w*|befunge|malbolge|whitespace language|intercal|piet|chef programming language|esoteric (?:programming )?language)\\b',
      '\\b(?:cobol|fortran 77|prolog|apl|forth|ada|vba macro|abap|rpg iv|smalltalk|mumps|pl/i)\\b',
    ],
  },
  // why: apps and systems with several interacting parts exceed what a local model keeps consistent.
  multiComponentApp: {
    reason: 'multi-component app or system → too much to keep consistent locally',
    patterns: [
      '\\b(?:full[- ]stack|end-to-end|complete|entire|whole|fully functional|production[- ]ready)\\b.{0,30}\\b(?:app|application|system|website|web app|platform|game|backend|service|solution|pipeline)\\b',
      '\\b(?:frontend|front-end) and (?:a )?(?:backend|back-end)\\b|\\b(?:backend|back-end) and (?:a )?(?:frontend|front-end)\\b',
      '\\b(?:build|write|create|implement|make|develop|code|program)\\b.{0,40}\\b(?:compiler|interpreter|emulator|virtual machine|database engine|operating system|game engine|physics engine|ray ?tracer|blockchain|neural network from scratch|transformer from scratch|web browser|text editor|spreadsheet engine|chess engine)\\b',
      '\\bimplement\\w*\\b.{0,20}\\b(?:tcp|udp|tls|ssl|quic|dns|smtp|websocket|http/[23])\\b|\\b(?:tcp|udp|tls|http|network) stack\\b',
      '\\b(?:multiplayer|multi-?threaded|multi-?tenant|real-?time collaborative|distributed)\\b.{0,30}\\b(?:app|application|game|server|system|editor|service)\\b',
      '\\b(?:chess|tetris|snake|pong|platformer|breakout|minesweeper|pac-?man|space invaders) game\\b',
    ],
  },
  // why: competitive-programming problems need an efficient, exactly correct algorithm on hidden tests.
  competitiveProgramming: {
    reason: 'competitive-programming problem → needs an exact efficient algorithm',
    patterns: [
      '\\b(?:input format|output format|sample input|sample output|input specification|output specification|time limit|memory limit|codeforces|atcoder|leetcode hard|competitive programming|icpc|hackerrank|online judge)\\b',
      '(?<=\\b(?:\\d|[a-z]) ?)(?:<=|≤|&le;) ?[a-z](?:_?\\w)? ?(?:<=|≤|&le;) ?(?:10\\^\\d|10\\*\\*\\d|\\d{4,}|1e\\d)',
      '\\bthe first line (?:of (?:the )?input )?contains\\b|\\beach test case\\b|\\b(?:t|q) test cases\\b',
      '\\bo\\([a-z0-9 +*^()log]{1,14}\\) (?:time|space)\\b|\\b(?:time|space) complexity (?:of |must be |should be |at most )?o\\(',
    ],
  },

  // ── Rule 9: expert judgement.
  // why: "design a system" asks for architecture trade-offs across components, load and failure modes.
  systemDesign: {
    reason: 'system design → trade-offs across components need a frontier model',
    patterns: [
      '\\b(?:design|architect|architecture for|plan the architecture)\\b.{0,60}\\b(?:system|service|platform|architecture|infrastructure|backend|data pipeline|database schema|api gateway|cluster|network|protocol|queue|cache|scheduler|rate limiter|url shortener|search engine|recommendation engine|payment|marketplace|messaging|notification)\\b',
      '\\bsystem design\\b|\\bsystem architecture\\b|\\b(?:high|highly)[- ]availab\\w+|\\bfault[- ]toleran\\w+|\\bhorizontal(?:ly)? scal\\w+|\\b(?:at|to) scale\\b|\\bmillions of (?:users|requests|events|messages|rows|records)\\b',
      '\\b(?:distributed (?:system|database|cache|lock|transaction|queue|consensus|rate limiter)|sharding|consensus (?:protocol|algorithm)|raft|paxos|eventual consistency|cap theorem|load balanc\\w+|event sourcing|cqrs|service mesh|kubernetes operator)\\b',
      '系统设计|架构设计|分布式|高可用|高并发',
    ],
  },
  // why: legal questions on a specific case depend on jurisdiction and exceptions small models invent.
  legalTerms: {
    reason: 'legal question',
    patterns: [
      '\\b(?:lawsuits?|(?:sue|suing|sued) (?:them|him|her|it|my|the|a|an|for|over|you|us|me|someone|somebody)|can i sue|according to (?:the )?law|under (?:the )?(?:\\w+ )?law|my rights|consumer protection|liable|liability|liabilities|negligen\\w+|torts?|breach of contract|breach|statutes?|statutory|jurisdictions?|plaintiffs?|defendants?|courts?|judges?|attorneys?|lawyers?|legal(?:ly)?|illegal(?:ly)?|lawful|unlawful(?:ly)?|landlords?|tenants?|leases?|eviction|evict\\w*|security deposit|custody|alimony|child support|divorce|probate|executor|inheritance|copyrights?|trademarks?|patents?|patentab\\w+|infringe\\w*|gdpr|hipaa|ccpa|compliance|regulations?|regulatory|antitrust|merger control|wrongful(?:ly)? (?:termination|terminated|dismissal|fired)|discriminat\\w+|retaliat\\w+|non-compete|noncompete|severance|contracts?|clauses?|indemnif\\w+|arbitration|small claims|visas?|green card|h-?1-?b|eb-?[1-5]-?[a-c]?|o-?1|l-?1[ab]?|uscis|immigration|asylum|citizenship|naturali[sz]ation|deport\\w*|statute of limitations|fiduciary|defamation|libel|slander|felony|misdemeanor|dui|probation|parole|obligations?|penalt(?:y|ies)|exempt\\w*|comply|enforce\\w*|directives?|case law|precedents?)\\b',
      '法律|合同|律师|起诉|诉讼|违法|侵权|劳动法|签证|移民',
    ],
  },
  // why: tax questions on a case turn on thresholds, dates and penalties that change by year and country.
  taxTerms: {
    reason: 'tax question',
    patterns: [
      '\\b(?:tax(?:es|ed|able|ation)?|irs|hmrc|cra|deduct(?:ion|ions|ible)|capital gains?|401\\(?k\\)?|403\\(?b\\)?|roth|ira|sep ira|rmds?|required minimum distributions?|1099|w-?2|w-?4|filing status|estimated tax|withholding|depreciation|amorti[sz]ation|vat|gst|estate tax|gift tax|hsa|fsa|529 plan|s[- ]corp|c[- ]corp|llc|k-1|audit(?:ed)? by)\\b',
      '个税|税务|报税|纳税|增值税',
    ],
  },
  // why: drug interactions, test results and chronic-disease management are where a wrong answer harms.
  medicalTerms: {
    reason: 'medical question',
    patterns: [
      '\\b(?:\\d+ ?(?:mg|mcg|µg|ml|iu|units)|dosage|doses?|overdose|drug interactions?|interacts? with|contraindicat\\w*|side effects?|prescri\\w+|medications?|(?:mri|ct|pet|ultrasound) (?:scan|report|results?|findings)|mri|x-?ray|biopsy|lab (?:results|values|work)|blood (?:test|work|results)|hba1c|a1c|egfr|gfr|creatinine|ldl|hdl|triglycerides|tsh|psa|inr|ckd|kidney disease|renal|diabet\\w+|insulin|metformin|warfarin|statins?|ssris?|antidepressants?|antibiotics?|chemotherapy|tumou?rs?|cancer|lesions?|diagnos\\w+|prognosis|differential|pregnan\\w+|hypertension|blood pressure|cholesterol|arrhythmia|stroke|seizures?|epilep\\w+|surgery|anesthesia|ibuprofen|acetaminophen|paracetamol|aspirin|opioids?|benzodiazepines?)\\b',
      '药物|剂量|副作用|诊断|化验|糖尿病|高血压|肾病',
    ],
  },
  // why: a specific person's situation (my landlord, my client, a 67-year-old patient) turns general knowledge into case reasoning.
  caseMarkers: {
    reason: 'specific case details',
    patterns: [
      '\\b(?:my|our) (?:wife|husband|spouse|partner|son|daughter|child|kids?|mother|father|mom|dad|parents?|grand\\w+|client|patient|doctor|landlord|tenant|employer|boss|company|business|employee|lawyer|accountant|neighbou?r|ex)\\b',
      "\\b(?:i|we) (?:am|was|have|had|got|received|live|lived|moved|signed|filed|owe|own|rent|inherited|turned|started|took|take|am taking|was prescribed|was diagnosed)\\b|\\bi'm (?:taking|on|a|an|\\d+)\\b|\\bi've (?:been|had|got)\\b",
      '\\bcan (?:i|we) (?:sue|claim|deduct|file|keep|break|evict|refuse|get (?:a refund|my|compensation))\\b|\\beligib\\w+\\b|\\bqualify for\\b|\\b(?:am i|are we) (?:allowed|required|liable|entitled|eligible)\\b|\\bdo (?:i|we) (?:need|have) to (?:pay|file|report|disclose)\\b|\\bmy \\w+ (?:is|was|has been|got) (?:canceled|cancelled|denied|rejected|terminated|delayed|damaged|withheld)\\b',
      '\\bfrom (?:what|which) date\\b|\\b(?:effective|enforcement) date\\b|\\b(?:take|took|takes) effect\\b|\\bin force\\b|\\bcurrent(?:ly)? (?:rules?|law|limit|threshold|rate)\\b|\\b(?:in|during|over|for) the (?:period|years?) (?:\\d{4}|from \\d{4})|\\b(?:since|as of|between) (?:\\d{4})\\b|\\b\\d{4} ?(?:-|–|to) ?\\d{4}\\b',
      '\\b(?:a |an )?\\d{1,3}[- ](?:year|yr)[- ]old\\b|\\b\\d{1,3} ?(?:yo|y/o|m|f)\\b|\\bthe patient\\b|\\bmy client\\b|\\bin (?:california|texas|new york|florida|ontario|the uk|england|germany|france|india|australia|canada)\\b',
      '我(?:的|今年|在|有|被)',
    ],
  },
  // why: generic symptom triage is routine health advice a mid-size model gives acceptably.
  symptomTriage: {
    reason: 'generic symptom question → routine advice for a mid-size model',
    patterns: [
      '\\b(?:symptoms?|fever|cough\\w*|headaches?|migraines?|rash|nausea|dizz\\w+|sore throat|vomit\\w*|diarrh\\w+|fatigue|tired|itch\\w*|swollen|swelling|sick|flu|a cold|insomnia|back pain|stomach ache|chest pain)\\b',
      '发烧|咳嗽|头疼|头痛|症状',
    ],
  },
  // why: niche scholarly or regulatory depth (standards, comparative law, dead languages) is beyond local models' knowledge.
  deepDomain: {
    reason: "deep domain analysis → beyond local models' knowledge",
    patterns: [
      '\\biso ?\\d{4,5}\\b|\\biec ?\\d{4,5}\\b|\\bdo-?178\\w?\\b|\\basil [a-d]\\b|\\bfunctional safety\\b|\\bsoc ?2\\b|\\bbasel (?:ii|iii|iv)\\b|\\bifrs ?\\d*\\b|\\bgaap\\b|\\bhipaa compliance\\b|\\bfda (?:510|approval|clearance)\\b',
      '\\b(?:akkadian|sumerian|cuneiform|hittite|old norse|old church slavonic|middle egyptian|hieroglyph\\w*|linear [ab]|proto-indo-european|biblical hebrew|koine greek|aramaic|ugaritic|etruscan)\\b',
      '\\b(?:key|leading|landmark|relevant|major) (?:cases|court decisions|precedents|rulings)\\b',
      '\\b(?:critically (?:analy[sz]e|evaluate|assess|examine)|in-depth (?:analysis|comparison)|comparative analysis|state of the art|state-of-the-art|nuanced (?:analysis|discussion))\\b',
    ],
  },
  // why: literature reviews with citations invite invented references from small models.
  literatureReview: {
    reason: 'literature review or citations → small models invent sources',
    patterns: [
      '\\b(?:literature review|systematic review|meta-?analys\\w+|with (?:citations|references)|cite (?:your |the )?(?:sources|references|papers|studies)|citations?|bibliography|apa (?:style|format)|mla (?:style|format)|chicago style|peer-reviewed (?:sources|papers|studies|articles)|annotated bibliography)\\b',
      '文献综述|参考文献',
    ],
  },

  // ── Further hard-case markers (rules 7-9), each a general kind of problem, not a phrase.
  // why: designing a new algorithm for a described problem is open-ended engineering, unlike a textbook one.
  algorithmDesign: {
    reason: 'design of a new algorithm → open-ended, needs strong reasoning',
    patterns: [
      '\\b(?:design|devise|propose|come up with|develop|invent)\\b.{0,40}\\b(?:an? |the )?(?:new |efficient |novel |custom )?algorithm\\b|\\bimplementable\\b|\\bpseudo-?code for\\b.{0,40}\\b(?:algorithm|approach|method)\\b',
      '设计(?:一个)?算法',
    ],
  },
  // why: lock-free and memory-ordering code hides bugs that local models cannot see (rule 3: concurrency).
  concurrencyCode: {
    reason: 'lock-free or concurrent code → subtle memory-ordering bugs',
    patterns: [
      '\\b(?:lock-?free|wait-?free|memory_order\\w*|memory ordering|memory barriers?|std::atomic|atomics|compare-and-swap|compare_exchange\\w*|cas loop|multi-producer|multi-consumer|mpmc|spsc|aba problem|hazard pointers?|rcu)\\b',
    ],
  },
  // why: a user who demands justification or step-by-step work on a quantitative problem is flagging a trap.
  reasoningDemand: {
    reason: 'asks for justified step-by-step reasoning',
    patterns: [
      "\\b(?:justify your (?:answer|reasoning)|explain your (?:reasoning|answer|logic)|show your (?:work|reasoning|steps)|(?:think|reason|solve it|work (?:it|this) out) step[- ]by[- ]step|let'?s think|think (?:carefully|step)|reason carefully|be sure we have the right answer|explain the (?:calculus|math|maths|calculation|reasoning))\\b",
      '一步一步|逐步|说明理由|给出理由',
    ],
  },
  // why: directions relative to a person (facing, to his right) plus compass points are a spatial puzzle.
  relativeDirection: {
    reason: 'relative direction',
    patterns: [
      '\\b(?:facing|faces|faced|turns? (?:left|right|around)|to (?:his|her|their|my|your) (?:left|right)|behind (?:him|her|them)|clockwise|counter-?clockwise)\\b',
    ],
  },
  // why: counted with relativeDirection; two compass points plus a relative direction make a spatial puzzle.
  compassDirection: {
    reason: 'compass direction',
    patterns: ['\\b(?:north|south|east|west)(?:ward|wards)?\\b|东|南|西|北'],
  },
  // why: seating/parking/ordering clues ("parked between", "sits to the left of") are constraint puzzles.
  arrangementClue: {
    reason: 'arrangement clue',
    patterns: [
      '\\b(?:sits?|sitting|seated|parked|parks|lives?|living|stands?|standing|placed|ranked|finished) (?:\\w+ )?(?:next to|beside|between|immediately|directly|to the (?:left|right)|in front of|behind|above|below|before|after)\\b',
      '\\b(?:is|was) (?:parked|seated|placed|ranked) (?:in|at) the (?:first|second|third|last|middle)\\b',
    ],
  },
  // why: statistical-inference vocabulary (regression, t statistics, p-values) marks reasoning about estimators.
  statsTerms: {
    reason: 'statistical inference',
    patterns: [
      '\\b(?:least squares|ols|regression coefficients?|r\\^2|r-squared|t[- ]statistics?|t-stat|p-values?|standard errors?|confidence intervals?|hypothesis tests?|null hypothesis|heteroscedasticity|multicollinearity|maximum likelihood|bayesian inference|posterior|prior distribution|variance of the estimator|unbiased estimator)\\b',
      '最小二乘|回归|统计量|显著性|置信区间|假设检验|方差|估计量|拟合',
    ],
  },
  // why: upper-division math (quadratic forms, abstract algebra, analysis) is beyond local models' reliable reach.
  advancedMath: {
    reason: "advanced mathematics → beyond local models' reliable reach",
    patterns: [
      "\\b(?:quadratic forms?|orthogonal (?:transformation|diagonali[sz]ation)|jordan (?:normal |canonical )?form|galois|homolog\\w+|cohomolog\\w+|manifolds?|topolog\\w+|measure theory|lebesgue|banach|hilbert spaces?|group theory|ring theory|field extensions?|residue theorem|functional analysis|real analysis|stochastic (?:process|calculus)|martingales?|ito'?s lemma)\\b",
      '二次型|正交变换|若尔当|伽罗瓦|拓扑|测度|实分析|泛函',
    ],
  },
  // why: finance instruments and loan maths (spreads, hedges, annuities) need precise domain knowledge.
  financeTerms: {
    reason: 'finance question',
    patterns: [
      '\\b(?:hedg\\w+|equities|bear (?:put|call)|bull (?:put|call)|put spreads?|call spreads?|credit spreads?|straddles?|strangles?|iron condor|strike prices?|options? (?:positions?|contracts?|strategy|chain|legs?)|legs|greeks|black-scholes|implied volatility|yield curve|bond (?:duration|convexity|yields?)|annuit\\w+|present value|npv|irr|compound interest|nominal (?:interest )?rate|effective annual rate|sharpe ratio|cagr|wacc|ebitda|discounted cash flow|dcf|arbitrage|futures contracts?|derivatives pricing|installments?|amorti[sz]\\w+|mortgage)\\b',
      "\\b(?:tasa de inter[eé]s|cuotas?|capitalizaci[oó]n|semestral\\w*|cr[eé]dito|pr[eé]stamo|taux d'int[eé]r[eê]t|zinssatz)\\b|利率|贷款|年金|期权|对冲",
    ],
  },
  // why: the labelling guide's GSM8K traps: bulk vs unit pricing with change, mixed work rates, multi-year counting.
  wordProblemTrap: {
    reason: 'word-problem trap',
    patterns: [
      '\\b(?:a|per|by the|each) dozen\\b|\\b(?:quarters|dimes|nickels|pennies)\\b.{0,30}\\bchange\\b|\\bchange\\b.{0,30}\\b(?:quarters|dimes|nickels|pennies)\\b',
      '\\b(?:work(?:ing)?|together)\\b.{0,40}\\b(?:rates?|per hour|an hour)\\b.{0,80}\\b(?:remaining|rest|left)\\b|\\bat (?:different|their own|a different) rates?\\b',
      '\\b(?:the )?(?:following|next|second|third) year\\b|\\bafter (?:\\d+|two|three|four|five|six|ten) years\\b|\\bevery (?:year|christmas|birthday)\\b',
    ],
  },
  // why: optimisation with constraints (linear programming, transport problems) needs systematic solving.
  optimizationProblem: {
    reason: 'constrained optimisation problem → needs systematic solving',
    patterns: [
      '\\b(?:linear programming|integer programming|optimal solution|transportation problem|trans-?shipment|minimum (?:possible|total) (?:total )?(?:transportation |shipping )?cost|minimi[sz]e the total (?:transportation |shipping )?cost|maximum (?:possible|total) profit|objective function|feasible region|simplex method|lagrange multipliers?|knapsack problem|travell?ing salesman)\\b',
      '线性规划|最优解',
    ],
  },
  // why: physics concepts combined with a demand for justification are the classic trick questions.
  physicsTerms: {
    reason: 'physics problem',
    patterns: [
      '\\b(?:orbit\\w*|orbital|momentum|torque|angular|relativ\\w+|quantum|entropy|thermodynamic\\w*|electromagnet\\w*|circuit|friction|accelerat\\w+|velocity|centripetal|gravit\\w+|projectile|inertia|kinetic|potential energy|buoyan\\w+|pressure|voltage|current|resistance|wavelength|frequency|photon)\\b',
      '轨道|动量|加速度|引力|电路',
    ],
  },

  // why: counted; two or more jurisdictions plus a comparison and legal/tax vocabulary is comparative law (rule 9).
  jurisdiction: {
    reason: 'jurisdiction',
    patterns: [
      '\\b(?:us|u\\.s\\.|usa|united states|american|federal|eu|e\\.u\\.|european(?: union| patent office)?|epo|china|chinese|prc|uk|united kingdom|british|england|japan(?:ese)?|german(?:y)?|france|french|english|scottish|spain|spanish|ital(?:y|ian)|korea(?:n)?|russia(?:n)?|india(?:n)?|canada|canadian|australia(?:n)?|brazil(?:ian)?|singapore|hong kong|california|new york|texas|delaware)\\b',
      '美国|中国|欧盟|英国|日本|德国',
    ],
  },
  // why: an explicit comparison ("compare", "vs", "differ") turns two jurisdictions into an analysis task.
  comparison: {
    reason: 'comparison',
    patterns: [
      '\\b(?:compare[sd]?|comparing|comparison|comparative|versus|vs\\.?|differ(?:s|ence|ences|ent)?|contrast\\w*|similarities)\\b',
      '比较|对比|区别|异同',
    ],
  },

  // ── Rule 5: short transforms (small), only trusted on SHORT prompts.
  // why: word-level look-ups (meaning, synonym, plural) are one-line answers a 1B model knows.
  wordLevel: {
    reason: 'definition or word look-up → one-line answer',
    patterns: [
      '^(?:please )?(?:define|definition of|meaning of)\\b|\\bwhat (?:does|is) (?:the )?(?:word |term |phrase )?["\']?[\\w -]{1,30}["\']? mean\\b|\\bwhat is the (?:meaning|definition) of\\b',
      '\\b(?:synonyms?|antonyms?|opposite of|another word for|a word (?:for|that means)|rhymes? with|plural of|singular of|past tense of|past participle of|abbreviation (?:of|for)|acronym|stand for|part of speech)\\b',
      '是什么意思|的意思|同义词|反义词|近义词',
    ],
  },
  // why: an explicit label set (sentiment, "positive or negative", categories to pick from) makes any length of
  // input a single-label classification, rule 5 (and rule 2 for long inputs).
  labelSet: {
    reason: 'classification into given labels → single-label answer',
    patterns: [
      '\\b(?:classify|categori[sz]e)\\b|\\bsentiment\\b|\\b(?:positive|negative|neutral),? or (?:negative|positive|neutral)\\b|\\b(?:true or false|yes or no|spam or not|fact or opinion)\\b',
      '\\bchoose (?:a|the|one) (?:topic|category|label|class)\\b|\\b(?:topic|category|label|class) candidates\\b|\\bassign (?:it|them|each(?: \\w+)?)? ?to one of\\b|\\boutput (?:only )?(?:positive|negative|yes|no|true|false|the label|the category)\\b|\\bwhich (?:category|topic|class|label) (?:does|do|is|are|best)\\b',
      '情感(?:分析|倾向)|正面还是负面|分类',
    ],
  },
  // why: yes/no, sentiment and picking a category are single-label outputs.
  classification: {
    reason: 'simple classification → single-label answer',
    patterns: [
      '\\b(?:classify|categori[sz]e|label)\\b|\\bsentiment\\b|\\b(?:positive|negative|neutral) or (?:negative|positive|neutral)\\b|\\b(?:true or false|yes or no|fact or opinion|spam or not|formal or informal)\\b',
      '\\bis (?:this|the following|it) (?:a |an )?(?:positive|negative|neutral|sarcastic|spam|question|statement|fact|opinion|formal|informal|noun|verb|adjective|fruit|vegetable|mammal|animal|country|city|color|colour|prime)\\b',
      '\\bwhich (?:one )?(?:of (?:these|the following) )?(?:is (?:the )?(?:odd one out|a fruit|a mammal|a vegetable|bigger|larger|smaller))\\b|\\bodd one out\\b|\\bwhich category\\b',
      '\\b(?:tell|determine|decide|detect|identify) (?:me )?(?:if|whether)\\b|\\b(?:toxic\\w*|offensive|hate speech|profanity)\\b|\\bchoose (?:a|the|one) (?:topic|category|label|class)\\b|\\b(?:topic|category|label|class) candidates\\b|\\bassign (?:it|them|each(?: \\w+)?)? ?to one of\\b|\\boutput (?:only )?(?:positive|negative|yes|no|true|false|the label|the category)\\b|\\bwhich (?:category|topic|class|label)\\b',
      '情感|分类|正面还是负面|是否',
    ],
  },
  // why: fixing spelling or rewording one sentence is a local edit.
  shortRewrite: {
    reason: 'short rewrite or spelling fix → local edit',
    patterns: [
      '\\b(?:fix|correct|check) (?:the )?(?:spelling|typos?|grammar|punctuation)\\b|\\bspell(?:ing)? check\\b',
      '\\b(?:rewrite|rephrase|paraphrase|reword|simplify|shorten) (?:this|the following|my|the) (?:sentence|phrase|line|title|headline|question|word)\\b',
      '\\bmake (?:this|it|the sentence) (?:more )?(?:formal|polite|casual|friendly|concise|shorter|professional|positive)\\b|\\b(?:to|into) (?:passive|active) voice\\b',
      '\\b(?:capitali[sz]e|title case)\\b|\\b(?:rewrite|rephrase|paraphrase|reword|proofread|polish)\\b',
    ],
  },
  // why: sorting or reformatting a short list, or small JSON formatting, is mechanical.
  sortFormat: {
    reason: 'sort or format a short list → mechanical',
    patterns: [
      '\\b(?:sort|alphabeti[sz]e|order|arrange|rank) (?:these|the following|this list|them|the list|the words|the numbers)\\b|\\bin alphabetical order\\b|\\bfrom (?:smallest|largest|lowest|highest) to\\b',
      '\\b(?:format|convert|turn|put) (?:this|these|the following|the given|the provided|the above|the below|it|them)\\b.{0,30}\\b(?:as|into|to|in) (?:a )?(?:json|yaml|csv|table|list|bullet points|markdown|html|xml)\\b',
    ],
  },
  // why: translating a plain sentence between major languages is what multilingual 1.5B models do well.
  translate: {
    reason: 'translation of a short text',
    patterns: [
      '\\btranslat\\w*\\b|\\bhow (?:do you|do i|would you|to) say\\b|\\bin (?:spanish|french|german|italian|portuguese|chinese|japanese|korean|russian|arabic|hindi|dutch|english)\\?',
      '翻译|翻譯|翻訳|\\btraduc\\w+|übersetze|переведи',
    ],
  },
  // why: a very short joke, haiku, slogan or title is one line of creativity even a 1B model pulls off.
  shortCreative: {
    reason: 'very short creative ask (joke, haiku, title) → one line',
    patterns: [
      '\\b(?:tell me|give me|say|write|share)\\b.{0,15}\\b(?:a |an |one )?(?:short |quick |funny |dad |silly )?(?:joke|pun|one-liner)\\b',
      '\\b(?:haiku|slogan|tagline|motto|catchphrase|nickname|pickup line|fortune cookie)\\b',
      '\\b(?:title|name) for (?:a |an |my |the )\\w+',
      '笑话|口号',
    ],
  },
  // why: asking only for a title/name/slogan "for a blog post" wants one line, not the post.
  titleRequest: {
    reason: 'asks only for a title or name → one line',
    patterns: [
      '^(?:please )?(?:write|give me|suggest|come up with|create|generate|propose|think of) (?:me )?(?:a |an |some |\\d+ |three |five )?(?:catchy |short |good |creative |clever )?(?:title|headline|name|slogan|tagline|subject line|hashtag)s? (?:for|about)\\b',
    ],
  },
  // why: FAQ one-liners ("remove duplicates from a list in Python") have one canonical answer in every model's data.
  codeFaq: {
    reason: 'programming FAQ one-liner → one canonical answer',
    patterns: [
      '\\b(?:how (?:do|can|would|should) (?:i|you|we|one)|how to|what is the (?:best |easiest |simplest )?way to|is there a way to)\\b.{0,60}\\b(?:in|using|with) (?:python|javascript|js|typescript|ts|java|c#|c\\+\\+|ruby|go|golang|rust|php|bash|shell|powershell|sql|kotlin|swift|r|perl|excel|pandas|numpy|node(?:\\.js)?|react|git|linux|vim)\\b',
      '\\b(?:convert|translate|rewrite) (?:this |the |a )?(?:print statement|one-liner|line|hello world|for loop|if statement|snippet)\\b',
      '\\b(?:git|npm|pip|docker|linux|bash) command (?:to|for)\\b|\\bwhat command\\b',
      '\\b(?:print(?:ing|s)?|display(?:ing|s)?|show(?:ing|s)?|get(?:ting|s)?|output(?:ting|s)?) (?:the )?(?:current |today.?s )?(?:date|time|date and time|hello,? world)\\b|\\bremove duplicates from (?:a|the) (?:list|array)\\b|\\breverse (?:a|the) (?:string|list|array)\\b|\\bswap two (?:variables|numbers)\\b|\\bconvert (?:a )?string to (?:an? )?(?:int|integer|number|float)\\b',
    ],
  },
  // why: one arithmetic operation or a unit conversion is a calculator job.
  arithmetic: {
    reason: 'single arithmetic operation or unit conversion → calculator job',
    patterns: [
      "^(?:what(?:'s| is)|calculate|compute|evaluate|solve|how much is)?\\s*\\(?-?\\d[\\d,.]*\\)?\\s*(?:[-+*/x×÷^]|times|plus|minus|divided by|multiplied by|to the power of)\\s*\\(?-?\\d[\\d,.]*\\)?\\s*(?:[-+*/x×÷^]\\s*\\d[\\d,.]*\\s*)?=?\\s*\\??$",
      "^(?:what(?:'s| is)|calculate|compute)?\\s*\\d[\\d,.]*\\s*(?:%|percent) of \\d[\\d,.]*\\s*\\??$|^(?:what(?:'s| is) )?the (?:square root|cube root|square|cube) of \\d[\\d,.]*\\s*\\??$",
      '\\b(?:convert|how many|what is|how much is)\\b.{0,25}\\b(?:km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|feet|foot|ft|inch(?:es)?|cm|centimet(?:er|re)s?|mm|kg|kilograms?|pounds?|lbs?|ounces?|oz|grams?|liters?|litres?|ml|gallons?|quarts?|pints?|cups?|tablespoons?|teaspoons?|celsius|fahrenheit|kelvin|°[cf]|mph|km/h|kph|knots|acres?|hectares?|bytes?|kb|mb|gb|tb|hours?|minutes?|seconds?|days?|weeks?|years?)\\b.{0,25}\\b(?:in|to|into|per)\\b.{0,10}\\b(?:an?|one|\\d+)?\\s*\\w+\\s*\\??$',
      '^\\d[\\d,.]*\\s*(?:km|miles?|kg|lbs?|pounds?|°?[cf]|celsius|fahrenheit|feet|ft|inches|cm|m|oz|g|l|ml|gallons?)\\s*(?:to|in|into)\\s*\\w+\\s*\\??$',
    ],
  },

  // ── Rule 6 and friends: routine generation (medium).
  // why: emails, stories, poems and posts are fluent generation a 7B model does acceptably.
  routineWriting: {
    reason: 'routine writing (email, story, poem, post) → mid-size model',
    patterns: [
      '\\b(?:write|draft|compose|create|generate|produce|craft|make|prepare|put together|help me write)\\b.{0,60}\\b(?:emails?|e-mails?|letters?|memos?|messages?|notes?|cover letter|resume|cv|stor(?:y|ies)|short story|poems?|song|lyrics|rap|essays?|articles?|blogs?|blog posts?|posts?|speech|toast|eulogy|reviews?|descriptions?|bio|biography|proposal|report|plan|itinerary|outline|script|screenplay|dialogue|scene|ad|advert\\w*|newsletter|announcement|invitation|tweets?|captions?|recipe|lesson plan|workout|schedule|guide|tutorial|press release|product description|pitch|statement|apology|complaint|limerick|sonnet|fable|fairy tale|monologue|quiz|questions|interview questions|agenda|checklist|faq|paragraph|summary)\\b',
      '\\b(?:phrase|formulate|word) an? (?:email|letter|message|reply|response)\\b|\\b(?:an? )?(?:email|e-mail|letter|message|note|reply) to (?:my|the|a|our|his|her|their)\\b',
      '写(?:一|封|篇|首|个|份|段)|撰写|起草|書いて|書け|作成して|써 ?주세요|작성해|\\bescribe\\b|(?<![a-zé])écri[st]|\\bschreibe?\\b',
    ],
  },
  // why: explaining a common concept or how something works is the bread and butter of mid-size models.
  explanation: {
    reason: 'explanation of a concept → mid-size model',
    patterns: [
      '\\b(?:explain|describe|discuss|elaborate|tell me (?:about|more)|teach me|help me understand|walk me through|introduce)\\b',
      '\\bwhat are (?:the )?(?:main |key |major |some |common |possible )?(?:benefits|advantages|disadvantages|pros|cons|differences|similarities|causes|effects|side effects|symptoms|treatments|consequences|reasons|factors|implications|risks|features|principles|types|stages|steps)\\b',
      '\\b(?:difference|differences|distinction) between\\b|\\bhow (?:does|do|did|is|are|was|were) .{1,60} (?:work|works|happen|form|formed|made|affect|influence|differ|compare|relate)\\b|\\bcompare\\b|\\bcontrast\\b',
      "\\bwhy (?:do|does|did|is|are|was|were|would|should|can|can't|don't|doesn't|might)\\b|\\bwhat (?:could|might|would|can) (?:be )?(?:the )?(?:reasons?|causes?|explanations?|explain)\\b",
      '解释|介绍|为什么|為什麼|如何|怎么|怎样|区别|\\bexplica\\w*|\\bexplique\\w*|\\berklär\\w*|\\bwie funktionier|\\bwarum\\b|\\bcomment (?:fonctionne|marche)\\b|\\bpourquoi\\b|\\bc[oó]mo funciona\\b|\\bpor qu[eé]\\b|\\bperch[eé]\\b|\\bcome funziona\\b|почему|как работает|объясни|なぜ|仕組み|説明して|왜|설명해',
    ],
  },
  // why: common how-tos and recipes are well covered in mid-size training data.
  howTo: {
    reason: 'how-to or recipe → mid-size model',
    patterns: [
      '^(?:how (?:do|can|should|to|would|could) (?:i|you|we|one)?)\\b|\\bhow to\\b|\\bsteps? (?:to|for)\\b|\\btips (?:for|on|to)\\b|\\bguide (?:to|for)\\b|\\brecipe\\b|\\binstructions (?:for|to|on)\\b|\\bbest way to\\b',
      '\\bhelp me (?:make|cook|bake|build|fix|plan|prepare|set up|get started)\\b|\\b(?:bake|baking|cook|cooking)\\b|\\bfor the first time\\b.{0,60}\\bhelp\\b',
      '怎么做|如何做|步骤',
    ],
  },
  // why: role-play and persona prompts need sustained style, fine at the mid-size level.
  rolePlay: {
    reason: 'role-play → mid-size model',
    patterns: [
      "^you are (?:a|an|my|the)\\b|\\byou are (?:a|an) (?:\\w+ )?(?:expert|assistant|consultant|teacher|tutor|writer|developer|engineer|coach|advisor|specialist|professional|chef|guide|character|storyteller|narrator)\\b|\\b(?:act as|act like|acting as|pretend (?:to be|you are|you're)|role-?play|roleplay|imagine (?:you are|you're)|i want you to act|play the role|take on the role|stay in character|as if you were)\\b",
      '扮演|假设你是|你现在是',
    ],
  },
  // why: opinion and advice questions want a balanced, fluent answer, not a fact.
  advice: {
    reason: 'advice or opinion → mid-size model',
    patterns: [
      '\\b(?:should i|should we|what do you think|your (?:opinion|thoughts|view|take)|do you think|advice|advise|recommend\\w*|suggest\\w*|help me (?:decide|choose|plan|pick|figure out)|pros and cons|is it worth|which is better|what would you do|ideas? for|brainstorm|how can i (?:improve|get better|become|stop|start|deal|cope|handle))\\b',
      '建议|你觉得|你认为|推荐',
    ],
  },
  // why: counterfactuals and Fermi estimates are open-ended reasoning that a 7B model handles acceptably.
  counterfactual: {
    reason: 'counterfactual or Fermi estimate → mid-size model',
    patterns: [
      "\\bwhat (?:would|might|could|will) (?:have )?happen(?:ed)? if\\b|\\bwhat if\\b|\\bimagine (?:if|a world|that)\\b|\\bhow would .{1,50} (?:be different|have changed|change) if\\b|\\bif .{1,40} had(?:n't| not)?\\b.{1,40}\\bwould\\b",
      '\\b(?:fermi|estimate|approximately how many|roughly how many|how many .{1,40} (?:are there )?(?:in the world|on earth|in (?:the )?(?:us|usa|united states|city|country|ocean|universe|galaxy)))\\b',
      '如果.{1,20}会',
    ],
  },
  // why: a word problem that chains a few arithmetic steps is GSM8K-style routine for a 7B model.
  wordProblem: {
    reason: 'arithmetic word problem → mid-size model',
    patterns: [
      '\\bhow (?:many|much|long|far|fast|old|tall)\\b|\\bwhat (?:is|was|are|were) the (?:\\w+ )?(?:total|average|mean|median|sum|difference|product|ratio|percentage|rate|speed|cost|price|profit|area|perimeter|volume)\\b|\\bwhat percent(?:age)?\\b|\\bwhat fraction\\b|\\bin total\\b|\\bby (?:what|how much) (?:amount|percent(?:age)?)\\b|\\bwhat time (?:is it|will it be|is it going to be|does|did|should)\\b',
      '多少|几个|几天|几岁|一共|总共',
    ],
  },
  // why: equations, simple algebra, geometry and calculus drills are textbook work for a mid-size model.
  algebra: {
    reason: 'algebra, geometry or calculus exercise → mid-size model',
    patterns: [
      '\\bsolve (?:for|the (?:equation|system|inequality))\\b|\\bsolve\\b.{0,20}=|(?<=\\b\\d*[a-z] ?)[+\\-*/^] ?\\d+ ?= ?\\d+|\\bequations?\\b|\\binequalit\\w+\\b|\\bsimplify\\b|\\bfactor(?:i[sz]e)?\\b',
      '\\b(?:derivative|differentiate|integral|integrate|antiderivative|limit of|slope|tangent line|gradient)\\b',
      '\\b(?:area|perimeter|circumference|volume|surface area|hypotenuse|radius|diameter|angle|triangle|circle|rectangle|polygon|sphere|cylinder|cone)\\b',
      '\\b(?:length of (?:the )?(?:segment|line segment|side)|distance between (?:the )?points|midpoint|endpoints?|coordinates?|slopes?)\\b|(?<=\\b[a-z]\\d?\\s*)\\^\\s*\\d|\\bf ?\\( ?x ?\\)',
      '方程|解方程|求导|导数|积分|原函数|极限|面积|体积|函数',
    ],
  },
  // why: writing a standard function, script, query or regex is textbook code a 7B coder model writes acceptably.
  codeGeneration: {
    reason: 'standard code request → mid-size model',
    patterns: [
      '\\b(?:write|create|implement|build|generate|code|make|develop|give me|show me)\\b.{0,50}\\b(?:function|script|program|class|method|module|query|regex|regular expression|snippet|api|endpoint|component|hook|algorithm|code|unit tests?|test cases|cli|command[- ]line|bot|scraper|parser|server|decorator|macro|dockerfile|makefile|workflow|sql)\\b',
      '\\b(?:write|implement|code|create|build|program|give me)\\b.{0,40}\\b(?:binary search|quick ?sort|merge ?sort|bubble sort|insertion sort|heap ?sort|bfs|dfs|breadth-first|depth-first|dijkstra|a\\* search|dynamic programming|memoi[sz]ation|linked list|binary tree|binary search tree|red-black tree|avl tree|b-tree|heap|priority queue|graph|hash ?map|lru cache|stack|queue|trie|fibonacci|factorial|palindrome|two sum|longest common (?:subsequence|substring)|edit distance|knapsack|boyer-?moore|kmp|topological sort|union[- ]find|sieve of eratosthenes|gcd)\\b',
      '\\b(?:flask|django|fastapi|express|react|vue|angular|spring boot|node\\.?js|pandas|numpy|matplotlib|sqlalchemy|pytorch|tensorflow|scikit-learn|selenium|beautifulsoup)\\b',
      '编写|写一个函数|写代码|写个程序|实现一个',
    ],
  },
  // why: long-tail facts (earliest, oldest, first recorded) are where 1B models hallucinate.
  longTailFact: {
    reason: 'long-tail fact → 1B models tend to hallucinate',
    patterns: [
      '\\b(?:earliest|first (?:known|recorded|ever|documented)|oldest (?:known|surviving|recorded)|origins? of|history of|etymology|who was the \\d+(?:st|nd|rd|th))\\b',
    ],
  },
  // why: a why-question of a few words ("why is the sky blue?") asks about one well-known phenomenon.
  whyQuestion: {
    reason: 'short why-question about a well-known phenomenon',
    patterns: ["^why (?:is|are|do|does|did|can|can't|don't|doesn't)\\b"],
  },
  // why: short wh-questions about well-known facts (capitals, authors, what X is) are common knowledge.
  commonFact: {
    reason: 'common-knowledge question → short factual answer',
    patterns: [
      "^(?:please )?(?:what|who|when|where|which|why|how many|how much|how old|how tall|how big|how far|is|are|was|were|do|does|did|can|name|list)\\b|^(?:tell me )?(?:what|who)(?:'s| is| was| are)\\b",
      '^什么是|是什么[？?]?$|^谁|在哪',
    ],
  },

  // ── Seed factor "keywords": counted, not decisive.
  // why: analysis verbs and depth words ask for longer, more careful reasoning (the seed's COMPLEX_KEYWORDS, extended).
  complexKeywords: {
    reason: 'analysis or depth keywords',
    patterns: [
      '\\b(?:analy[sz]e|analysis|evaluate|assess|critique|critically|compare and contrast|trade-?offs?|implications|in (?:great )?detail|detailed|comprehensive|in-depth|thorough\\w*|step[- ]by[- ]step|justify|rigorous\\w*|formal(?:ly)?|nuanced|optimi[sz]\\w+|architect\\w*|strategy|strategic|edge cases|derive|theoretical|framework|mechanism|complexity|scalab\\w+|robust|efficient\\w*|refactor|debug|design|implement)\\b',
      '分析|详细|深入|全面|论证|评估|优化',
    ],
  },
  // why: "what is", "define", "list", "briefly" ask for short, shallow answers (the seed's SIMPLE_KEYWORDS, extended).
  simpleKeywords: {
    reason: 'simple-ask keywords',
    patterns: [
      "\\b(?:what(?:'s| is)|define|definition|list|name (?:a|one|two|three|some)|yes or no|true or false|classify|categori[sz]e|is this|briefly|quick(?:ly)?|simple|short|one word|one sentence|tl;?dr)\\b",
      '什么是|简单|简要|一句话',
    ],
  },
  // why: explicit multi-step or multi-requirement wording ("first ... then ...", "must", "make sure") adds work to track.
  multiStepMarkers: {
    reason: 'multi-step or multi-requirement instructions',
    patterns: [
      '\\b(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|then|next|after that|finally|additionally|moreover|also|must|should|make sure|ensure|requirements?|constraints?|each|every|handle|support|including|considering|taking into account|step \\d)\\b',
    ],
  },
  // why: naming a programming language or tool signals a coding task even without pasted code.
  programming: {
    reason: 'programming task',
    patterns: [
      '\\b(?:python|javascript|typescript|java|c\\+\\+|c#|golang|rust|ruby|php|kotlin|swift|scala|haskell|elixir|bash|shell script|powershell|sql|html|css|react|node\\.?js|django|flask|api|function|algorithm|code|coding|program|script|compile|runtime|repository|git|docker|kubernetes|regex)\\b',
      '\\b(?:web ?app(?:lication)?s?|websites?|web sites?|backend|back-end|frontend|front-end|admin (?:dashboard|panel)|user accounts|login page|rest api|database)\\b',
      '\\b(?:glsl|hlsl|wgsl|shaders?|verilog|systemverilog|vhdl|cuda|opencl|zig|coq|lean ?4|ebpf|x86|arm64|aarch64|risc-?v|ppc64\\w*|kernel module|device driver|firmware|assembly (?:language|code|program))\\b',
      '代码|编程|程序|函数|算法',
    ],
  },
} as const satisfies Record<string, PatternGroup>;

/** Id of a pattern group. */
export type PatternGroupId = keyof typeof patternGroups;

/**
 * Unicode ranges by how much meaning one character carries, for the script-aware length.
 * why: one CJK character is roughly one word (≈ 3 Latin characters of meaning), Hangul a syllable (≈ 2),
 * so raw character counts would call a dense Chinese question "short".
 */
export const scriptWeights = {
  /** Han ideographs and Japanese kana: ≈ a word each. */
  cjk: 3,
  /** Hangul syllables: ≈ a syllable each. */
  hangul: 2,
} as const;

/**
 * Scripts of languages that 1-8B local models barely write (Rule 10/12 "answering in Kannada"), as
 * [from, to] code-point ranges. why: a prompt written in these scripts usually wants an answer in them.
 */
export const lowResourceScriptRanges = [
  [0x0c80, 0x0cff], // Kannada
  [0x0c00, 0x0c7f], // Telugu
  [0x0b80, 0x0bff], // Tamil
  [0x0d00, 0x0d7f], // Malayalam
  [0x0d80, 0x0dff], // Sinhala
  [0x0b00, 0x0b7f], // Odia
  [0x0a80, 0x0aff], // Gujarati
  [0x0a00, 0x0a7f], // Gurmukhi
  [0x0980, 0x09ff], // Bengali / Assamese
  [0x1200, 0x139f], // Ethiopic (Amharic, Tigrinya)
  [0x1780, 0x17ff], // Khmer
  [0x0e80, 0x0eff], // Lao
  [0x1000, 0x109f], // Myanmar
  [0x0f00, 0x0fff], // Tibetan
  [0x0780, 0x07bf], // Thaana
  [0x10a0, 0x10ff], // Georgian
  [0x0530, 0x058f], // Armenian
] as const satisfies readonly (readonly [number, number])[];
