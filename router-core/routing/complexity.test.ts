// Unit tests for the complexity estimate: issue examples, invariants, thresholds, and a small labelled sample.
import { describe, expect, it } from 'vitest';
import { patternGroups, type PatternGroupId } from '../data/keywords.js';
import { defaultThresholds, estimateComplexity, type ComplexityLevel } from './complexity.js';
import { anywhereStartChars, extractFeatures, isCodeLine, startAnchoredGroups, TextScratch, unindexedPatterns } from './features.js';

// Prompts below are written for these tests (none copied from shared/eval), one or more per labelling rule.
const ARTICLE = [
  'The river town of Hollin Ford spent most of the last century as a quiet stop on the freight line,',
  'known mainly for its grain elevator and a Saturday market that drew farmers from three counties.',
  'When the railway closed the depot in 1994, the market shrank to a handful of stalls and the elevator',
  'was fenced off. A decade later a group of retired teachers began renting the empty depot for',
  'weekend craft fairs. They painted the waiting room, fixed the roof with donated tin, and put up a',
  'hand-lettered sign. The fairs grew slowly: first local potters and quilters, then food vendors,',
  'then musicians who played on the old loading dock. By 2015 the county had noticed, and a small',
  'grant paid for toilets, lighting and a ramp. Today the depot hosts a market every weekend from',
  'April to October, and the town council estimates that it brings in more visitors than the grain',
  'trade ever did. Younger families have started moving back, drawn by cheap houses and the sense',
  'that something is happening. Not everyone is pleased; some long-time residents complain about',
  'parking and noise, and the council is still arguing about whether to widen the main street. But',
  'the teachers who started it say they never had a plan beyond keeping the building from falling',
  'down, and that the rest happened because people kept showing up.',
].join(' ');

const EMAIL_THREAD = [
  'From: Priya Raman\nTo: Facilities team\nSubject: Quarterly planning session\n',
  'Hi all, the quarterly planning session is booked for Tuesday 14 May in the large conference room on',
  'the third floor. Please bring your team budgets and the draft hiring plan. Lunch will be provided.\n\n',
  'From: Tom Becker\nTo: Priya Raman\nSubject: RE: Quarterly planning session\n',
  'Priya, the third-floor room is being repainted that week, so facilities asked us to move. The only',
  'slot they could offer for a room of that size is Thursday 16 May, same time. I have tentatively',
  'accepted it; shout if that clashes with the finance review.\n\n',
  'From: Priya Raman\nTo: Tom Becker\nSubject: RE: RE: Quarterly planning session\n',
  'Thursday works. I will update the calendar invite and let the caterers know about the new date.',
  'Could you double-check that the projector in the new room works with our laptops? Last time we',
  'lost twenty minutes to adapters. Thanks for sorting this out so quickly, and sorry for the churn.',
].join(' ');

const MEETING_NOTES = [
  'Platform team notes: we will freeze the public API on 1 March and ship version 3 to all customers',
  'on 15 March; the legacy endpoints stay up until the end of June. Mobile team notes: the new app',
  'release depends on version 3 endpoints and is scheduled for 1 March, with the legacy endpoints',
  'removed from the app on the same day. Support team notes: we have promised enterprise customers',
  'that nothing changes before April and that legacy endpoints remain available until September,',
  'and our training material for version 3 will be ready on 20 March. Finance notes: the migration',
  'budget covers contractor time only until the end of February, after which the platform team is',
  'expected to move to the billing project full time. All four teams say their dates are fixed.',
].join(' ');

const SAMPLE: readonly (readonly [ComplexityLevel, string])[] = [
  // Rule 1: chit-chat.
  ['small', 'hello there!'],
  ['small', 'Thanks, that was really helpful.'],
  ['small', "what's your name?"],
  ['small', '你好！'],
  // Rule 4: common facts.
  ['small', 'What is the capital of Australia?'],
  ['small', 'Who painted the Mona Lisa?'],
  ['small', 'Why is the sky blue?'],
  ['small', '法国的首都是哪里？'],
  // Rule 5: short transforms.
  ['small', 'Define photosynthesis in one sentence.'],
  ['small', "Give me a synonym for 'happy'."],
  ['small', "Translate 'Where is the train station?' into Spanish."],
  ['small', "Is this review positive or negative? 'The food was cold and the waiter was rude.'"],
  ['small', "Fix the spelling: 'I recieved the pakage yesterday.'"],
  ['small', 'Sort these words alphabetically: pear, apple, mango, banana'],
  ['small', 'Tell me a short joke about cats.'],
  ['small', 'Write a haiku about the ocean.'],
  // Rule 8: single arithmetic / unit conversion.
  ['small', 'What is 48 * 12?'],
  ['small', 'Convert 5 miles to kilometers.'],
  // Rule 7: FAQ one-liners.
  ['small', 'How do I reverse a list in Python?'],
  // Rule 2: trivial ask on a long input.
  ['small', `${ARTICLE}\n\nSuggest a title for this article.`],
  ['small', `${EMAIL_THREAD}\n\nWhat date was the planning session moved to?`],
  // Rule 3: trivial question about pasted code.
  ['small', 'What language is this?\n\nfn main() {\n    let v = vec![1, 2, 3];\n    println!("{:?}", v);\n}'],

  // Rule 6: routine generation.
  ['medium', 'Write a friendly email to my landlord asking him to fix the heating this week.'],
  ['medium', 'Explain how a refrigerator keeps food cold.'],
  ['medium', 'Write a short story about a robot who learns to paint.'],
  ['medium', 'What are the pros and cons of working from home?'],
  ['medium', 'Pretend you are a pirate captain and describe your ship to a new crew member.'],
  ['medium', 'What would happen if the Moon suddenly disappeared?'],
  ['medium', 'Give me a recipe for vegetarian lasagna.'],
  ['medium', 'Write a cover letter for a junior data analyst position at a logistics company.'],
  ['medium', '用简单的语言解释一下什么是区块链。'],
  ['medium', `Summarize the following article in three sentences.\n\n${ARTICLE}`],
  // Rule 10: a single easy format constraint.
  ['medium', 'Write a blog post about the benefits of morning walks in fewer than 300 words.'],
  // Rule 9: generic symptom triage.
  ['medium', 'I have had a sore throat and a mild fever for two days. What could it be?'],
  // Rule 7: standard code.
  ['medium', 'Write a Python function that checks whether a string is a palindrome, ignoring punctuation and case.'],
  ['medium', 'Write a SQL query that returns the top 5 customers by total order value.'],
  ['medium', 'Write a regex that matches US phone numbers like (555) 123-4567.'],
  // Rule 3: explain code.
  [
    'medium',
    'Explain what this function does:\n```js\nfunction debounce(fn, ms) {\n  let t;\n  return (...args) => {\n    clearTimeout(t);\n    t = setTimeout(() => fn(...args), ms);\n  };\n}\n```',
  ],
  // Rule 8: routine word problems, simple algebra, dice probability.
  ['medium', 'A train travels at 60 km/h for 2 hours and then at 80 km/h for 3 hours. What is the total distance traveled?'],
  ['medium', 'Solve for x: 3x + 7 = 22.'],
  ['medium', 'What is the probability of rolling a sum of 7 with two dice?'],

  // Rule 8: proofs, counting, traps, logic and search puzzles.
  ['cloud', 'Prove that the square root of 2 is irrational.'],
  ['cloud', 'In how many ways can 8 people sit around a round table if two of them refuse to sit next to each other?'],
  ['cloud', 'A bag has 5 red and 3 blue marbles. Two are drawn without replacement. What is the probability that at least one is blue?'],
  [
    'cloud',
    "Three friends each make one statement and exactly one of them is lying. Ana: 'Ben is lying.' Ben: 'Cara is lying.' Cara: 'Ana and Ben are both lying.' Who is the liar?",
  ],
  ['cloud', 'Find all positive integers n such that n^2 + 1 is divisible by n + 1.'],
  [
    'cloud',
    'Solve this sudoku and show the completed grid: 53..7.... 6..195... .98....6. 8...6...3 4..8.3..1 7...2...6 .6....28. ...419..5 ....8..79',
  ],
  // Rule 11: character-level.
  ['cloud', "How many times does the letter 'e' appear in the word 'excellence'?"],
  // Rule 10: lexical constraints.
  ['cloud', "Write a 200-word paragraph about autumn without using the letter 'e'."],
  ['cloud', 'Write a sonnet in which every line begins with the letter S.'],
  // Rule 9: system design, expert cases, literature reviews, deep domain analysis.
  [
    'cloud',
    'Design a scalable chat system that supports millions of concurrent users, covering storage, delivery guarantees and presence.',
  ],
  [
    'cloud',
    'My mother takes warfarin and her doctor just prescribed fluconazole for an infection. Is this combination safe, and what should we watch for?',
  ],
  ['cloud', 'My landlord in California kept my entire security deposit, claiming normal wear and tear. What are my legal options?'],
  ['cloud', "I'm 72 and forgot to take my RMD from my IRA last year. What penalty do I face and how can I get it waived?"],
  ['cloud', 'Write a literature review on microplastics in freshwater ecosystems, with citations.'],
  // Rule 7: niche targets, competitive programming, concurrency bugs.
  ['cloud', 'Write a Linux kernel module that exposes a character device returning the current jiffies value.'],
  [
    'cloud',
    'Given an array of n integers (1 ≤ n ≤ 2·10^5) and an integer k, count the subarrays whose sum is divisible by k. Input format: the first line contains n and k, the second line the array.',
  ],
  [
    'cloud',
    'This Go worker pool sometimes hangs forever. Find the bug.\n```go\nfunc run(jobs []Job) {\n  var mu sync.Mutex\n  var wg sync.WaitGroup\n  results := make(chan Result)\n  for _, j := range jobs {\n    wg.Add(1)\n    go func(j Job) {\n      mu.Lock()\n      results <- j.Do()\n      mu.Unlock()\n      wg.Done()\n    }(j)\n  }\n  wg.Wait()\n  close(results)\n}\n```',
  ],
  // Rule 2: synthesis across several sources.
  ['cloud', `${MEETING_NOTES}\n\nIdentify where these plans contradict each other and propose a reconciled timeline.`],
  // Rule 12: low-resource output and classical Chinese.
  ['cloud', "Translate this sentence into Kannada: 'The school will be closed tomorrow because of heavy rain.'"],
  ['cloud', '请用文言文写一段关于春天的短文。'],
];

// A second sample, written after the rules to probe how they generalise (same labelling rules, new phrasings).
const REVIEW =
  'I bought this blender after my old one died, and I wanted to like it. The box arrived dented and the jar had a hairline crack near the handle. Customer service took nine days to answer my first email, and when they did they asked for photos I had already sent. The motor is loud, much louder than my previous one, and it struggles with frozen fruit unless you add a lot of liquid. After three weeks the lid started leaking from the seal. The replacement seal they eventually shipped does not fit properly either. I have gone back to using a hand blender for smoothies, which says a lot. The only positive thing I can say is that it looks nice on the counter, but for the price I expected much better. I will be returning it if they allow it, and I would not buy from this brand again. My sister had a similar experience with their toaster last year, so this seems to be a pattern with them rather than bad luck on my part.';

const CODE = `import requests

def fetch_all(urls):
    results = []
    for u in urls:
        r = requests.get(u, timeout=5)
        results.append(r.json())
    return results

def main():
    urls = [line.strip() for line in open("urls.txt")]
    data = fetch_all(urls)
    print(len(data))

if __name__ == "__main__":
    main()`;

const MORE_SAMPLE: readonly (readonly [ComplexityLevel, string])[] = [
  ['small', 'Who wrote Pride and Prejudice?'],
  ['small', 'How many continents are there?'],
  ['small', "What's the boiling point of water in Fahrenheit?"],
  ['small', "Give me an antonym of 'generous'."],
  ['small', 'Is a tomato a fruit or a vegetable?'],
  ['small', 'Classify the following animal as a mammal, bird or reptile: penguin'],
  ['small', 'Rewrite this sentence in passive voice: The chef cooked the meal.'],
  ['small', 'Format this as JSON: name John, age 30, city Paris'],
  ['small', 'Can you write code?'],
  ['small', 'good night!'],
  ['small', "What does 'serendipity' mean?"],
  ['small', 'What is 15% of 240?'],
  ['small', 'How do I get the current time in JavaScript?'],
  ['small', 'Come up with a name for my bakery.'],
  ['small', 'Translate to French: I would like a cup of coffee, please.'],
  ['small', "Qu'est-ce que la photosynthèse ?"],
  ['small', REVIEW + '\n\nIs this review positive or negative?'],
  ['medium', 'What are some tips for improving my sleep?'],
  ['medium', 'Write a poem about friendship.'],
  ['medium', 'How does compound interest work?'],
  ['medium', 'Explain the difference between TCP and UDP.'],
  ['medium', "Write a Python script that renames all .txt files in a folder to include today's date."],
  ['medium', 'Write a JavaScript function to debounce another function.'],
  ['medium', 'Create a weekly workout plan for a beginner.'],
  ['medium', 'You are a travel agent. Plan a 3-day itinerary for Rome.'],
  ['medium', 'If I save $200 a month for 3 years, how much will I have saved, ignoring interest?'],
  ['medium', 'Sarah has 3 times as many apples as Tom. Together they have 24 apples. How many apples does Sarah have?'],
  ['medium', 'Summarize the plot of Romeo and Juliet.'],
  ['medium', 'What is the difference between a Roth IRA and a traditional IRA?'],
  ['medium', 'My dog keeps scratching his ears. What should I do?'],
  ['medium', "Explain this error: TypeError: Cannot read properties of undefined (reading 'map')"],
  ['medium', 'Describe the water cycle for a 10-year-old.'],
  ['medium', '请写一封邮件，向老师请假一天。'],
  ['medium', 'Wie funktioniert ein Elektromotor?'],
  ['medium', 'What are the side effects of metformin?'],
  ['medium', 'Tell me about the earliest known board games.'],
  ['medium', 'A store sells pencils at 3 for $1. How much do 18 pencils cost?'],
  ['medium', 'Write a Python program that solves the N-Queens problem for any N and prints all solutions.'],
  ['medium', 'Compute the eigenvalues of the matrix [[2,1],[1,2]] and explain what they mean geometrically.'],
  ['cloud', 'Write a function in x86 assembly that computes the factorial of a number.'],
  ['cloud', "Is it legal for my employer in Texas to withhold my final paycheck because I didn't return my laptop?"],
  ['cloud', 'Prove that every bounded monotone sequence of real numbers converges.'],
  ['cloud', "How many vowels are in the word 'onomatopoeia'?"],
  ['cloud', 'Write a story of exactly 50 words.'],
  ['cloud', "Write an essay on climate change where the word 'carbon' appears at least 10 times and no sentence contains a comma."],
  ['cloud', 'Design the database schema and API for a multi-tenant SaaS invoicing platform with role-based access control.'],
  [
    'cloud',
    'A farmer needs to cross a river with a wolf, a goat and a cabbage. The boat holds him and one item. How does he get everything across safely?',
  ],
  ['cloud', 'Using the numbers 2, 3, 7 and 9 exactly once with + - * /, make 24.'],
  ['cloud', 'Implement a red-black tree in Rust with insertion and deletion, generic over the key type.'],
  ['cloud', 'Write a GLSL fragment shader that renders a raymarched Mandelbulb.'],
  ['cloud', 'Which obligations of the EU AI Act apply to providers of general-purpose AI models, and from what date?'],
  ['cloud', 'My 8-year-old weighs 25 kg. How much ibuprofen can I give him and how often?'],
  ['small', 'hey, how are you?'],
  ['small', 'What is the largest planet in our solar system?'],
  ['small', 'When did World War II end?'],
  ['small', 'What is an API?'],
  ['small', 'Spell check: "Thier going too the libary tomorow."'],
  ['small', 'Which of these is a prime number: 21, 23, 25, 27?'],
  ['small', 'Name three primary colors.'],
  ['small', 'Translate "good morning" into German.'],
  ['small', 'Write a title for a blog post about budget travel in Japan.'],
  ['small', 'How many ounces are in a pound?'],
  ['small', 'In Python, how do I check if a key exists in a dictionary?'],
  ['small', '东京是哪个国家的首都？'],
  ['small', 'What is the opposite of "ancient"?'],
  ['small', 'Categorize these foods as fruit or vegetable: carrot, apple, spinach, banana.'],
  ['small', "What does this code print?\n```python\nprint(len('hello'))\n```"],
  ['small', CODE + '\n\nWhat language is this code written in?'],
  ['medium', 'Write a thank-you note to my team for finishing the project early.'],
  ['medium', 'How do I change a flat tire?'],
  ['medium', 'Explain the causes of the French Revolution.'],
  ['medium', 'Write a product description for a stainless steel water bottle.'],
  ['medium', 'What should I consider when buying a used car?'],
  ['medium', 'Write a bash script that backs up my home directory to an external drive every night.'],
  ['medium', 'Write a function in JavaScript that flattens a nested array.'],
  ['medium', 'Implement merge sort in Java.'],
  ['medium', CODE + '\n\nAdd comments to this code explaining each step.'],
  ['medium', 'A rectangle has a perimeter of 30 cm and a length of 9 cm. What is its area?'],
  ['medium', 'Tom reads 12 pages a day. How many days will it take him to finish a 300-page book?'],
  ['medium', "Give me five ideas for a child's birthday party."],
  ['medium', 'Write a LinkedIn post announcing that I got a new job as a nurse.'],
  ['medium', 'Act as a job interviewer and ask me questions for a software engineer role.'],
  ['medium', '请给我介绍一下长城的历史。'],
  ['medium', '¿Cómo funciona la fotosíntesis?'],
  ['medium', 'What is the difference between a virus and a bacterium?'],
  ['medium', 'How many piano tuners are there in Chicago? Estimate.'],
  ['medium', 'Write a story for kids about a brave little turtle, in all lowercase letters.'],
  ['cloud', 'Prove that there is no largest prime number, and then write the proof as a rhyming poem.'],
  ['cloud', 'How many words in this sentence contain the letter a: "A cat sat on a mat and ate a banana."'],
  ['cloud', 'Write a 300-word essay about the sea in which no word contains the letter "o".'],
  [
    'cloud',
    'Design a real-time multiplayer game backend that handles matchmaking, state synchronization and cheat detection for 100k concurrent players.',
  ],
  [
    'cloud',
    'My father has stage 3 chronic kidney disease and type 2 diabetes. His doctor wants to start him on metformin. Is that safe at his eGFR of 38?',
  ],
  ['cloud', 'I was fired two days after telling my boss I was pregnant. I live in New York. Do I have a case?'],
  ['cloud', 'Write a Zig program that implements a memory allocator backed by a fixed buffer.'],
  ['cloud', 'Write a Coq proof that addition on natural numbers is commutative.'],
  [
    'cloud',
    'Five houses in a row are painted different colors. The Englishman lives in the red house. The Spaniard owns the dog. Coffee is drunk in the green house. Who owns the zebra?',
  ],
  ['cloud', 'What is the remainder when 7^2024 is divided by 13?'],
  [
    'cloud',
    'Two cards are drawn from a standard deck without replacement. What is the probability that both are aces given that at least one is an ace?',
  ],
  [
    'cloud',
    CODE +
      '\n\nRefactor this code to fetch the URLs concurrently with asyncio, with retries, rate limiting to 5 requests per second, and proper error handling.',
  ],
  [
    'cloud',
    'Build a complete e-commerce web application with user accounts, a product catalog, a shopping cart, Stripe payments and an admin dashboard.',
  ],
  ['cloud', 'Write a systematic review of the evidence on intermittent fasting for weight loss, citing peer-reviewed studies.'],
  ['cloud', 'Compare the treatment of software patents under US law and European Patent Office practice, with reference to key cases.'],
  ['cloud', '写一首藏头诗，每句的第一个字连起来是“春风得意”。'],
  ['small', 'thank u so much!!'],
  ['small', 'Who is the current CEO of Microsoft?'],
  ['small', 'What year did the Berlin Wall fall?'],
  ['small', 'What is the chemical symbol for gold?'],
  ['small', 'Give me a word that rhymes with "light".'],
  ['small', 'Is the following sentence a question or a statement? "Close the door."'],
  ['small', 'Turn this into a bulleted list: eggs, milk, bread, butter'],
  ['small', 'How do I undo the last commit in git?'],
  ['small', 'What is 7 squared?'],
  ['small', 'Write a one-line joke about programmers.'],
  ['small', '日本の首都はどこですか？'],
  ['small', '¿Qué significa "madrugada"?'],
  ['small', 'What does HTTP stand for?'],
  ['small', 'Correct the grammar: "She don\'t like apples."'],
  ['medium', 'Write a short poem about autumn leaves.'],
  ['medium', 'Explain recursion to a beginner with an example.'],
  ['medium', 'How can I improve my public speaking skills?'],
  ['medium', 'Write an apology email to a customer whose order arrived late.'],
  ['medium', 'What are the main differences between Python and JavaScript?'],
  ['medium', 'Write a Python function that merges two sorted lists into one sorted list.'],
  ['medium', 'Write a SQL query to find duplicate email addresses in a users table.'],
  ['medium', 'A shirt costs $25 and is on sale for 20% off. Sales tax is 8%. What is the final price?'],
  ['medium', 'Create a study schedule for a student preparing for exams in 4 weeks.'],
  ['medium', 'Imagine you are Abraham Lincoln. What would you say about social media?'],
  ['medium', 'Summarize the main causes of the 2008 financial crisis.'],
  ['medium', '请帮我写一段产品介绍，产品是一款智能手表。'],
  ['medium', 'What are the symptoms of vitamin D deficiency?'],
  ['medium', 'Write a React component that shows a counter with increment and decrement buttons.'],
  ['medium', 'Explain the difference between stocks and bonds.'],
  ['cloud', 'Prove that the sum of the angles of a triangle is 180 degrees.'],
  ['cloud', 'Count the number of times the letter "s" appears in "Mississippi is sassy".'],
  ['cloud', 'Write a poem about the sea where every line ends with a word that starts with the letter B.'],
  ['cloud', 'Design a fault-tolerant distributed job scheduler with exactly-once execution semantics.'],
  ['cloud', 'My 6-year-old swallowed two of my 10 mg amlodipine tablets an hour ago. What should I do?'],
  ['cloud', 'I received a 1099-K for selling personal items on eBay at a loss. Do I owe tax on it and how do I report it?'],
  ['cloud', 'Write a Verilog module for a 4-bit synchronous up/down counter with asynchronous reset, and a testbench.'],
  ['cloud', 'Solve: how many positive integers less than 1000 are divisible by 3 or 5 but not by 15?'],
  [
    'cloud',
    "There are 100 prisoners and 100 boxes, each containing one prisoner's number. Each prisoner may open 50 boxes. What strategy maximizes the chance that all of them find their own number, and what is that probability?",
  ],
  ['cloud', 'Explain, with the key cases, how the doctrine of promissory estoppel differs between English and US law.'],
  [
    'cloud',
    'Write a compiler in Python for a small language with variables, arithmetic, if/else and while loops that outputs x86-64 assembly.',
  ],
  ['cloud', '用文言文翻译：我今天很高兴，因为朋友来看我了。'],
  [
    'cloud',
    'If it takes 5 machines 5 minutes to make 5 widgets, how long would it take 100 machines to make 100 widgets? Explain your reasoning.',
  ],
];

const RANK: Record<ComplexityLevel, number> = { small: 0, medium: 1, cloud: 2 };

describe('estimateComplexity: examples from the issue', () => {
  const cases: readonly (readonly [string, ComplexityLevel])[] = [
    ['What is Python?', 'small'],
    ['Prove there are infinitely many primes.', 'cloud'],
    ['hi', 'small'],
    [`${ARTICLE}\n\nGive it a title.`, 'small'],
    ["How many r's are in strawberry?", 'cloud'],
    ['Write a binary search function in Python.', 'medium'],
    ['Design a distributed rate limiter for an API gateway.', 'cloud'],
    ['Prove there are infinitely many primes?', 'cloud'],
  ];
  for (const [prompt, level] of cases) {
    it(`${JSON.stringify(prompt.slice(0, 50))} → ${level}`, () => {
      expect(estimateComplexity(prompt).level).toBe(level);
    });
  }
});

describe('estimateComplexity: invariants', () => {
  const prompts = [...SAMPLE.map(([, p]) => p), '', '   ', '?', '🙂', 'x'.repeat(20_000), '数'.repeat(3000)];

  it('score is in [0,1] and the level matches the default thresholds', () => {
    for (const p of prompts) {
      const e = estimateComplexity(p);
      expect(e.score).toBeGreaterThanOrEqual(0);
      expect(e.score).toBeLessThanOrEqual(1);
      const expected = e.score >= defaultThresholds.cloud ? 'cloud' : e.score >= defaultThresholds.medium ? 'medium' : 'small';
      expect(e.level).toBe(expected);
    }
  });

  it('gives non-empty, short reasons that never echo the prompt', () => {
    const secret = 'zebracorn-7731 quarterly figures';
    for (const p of [...prompts, `Summarize: ${secret} ${ARTICLE}`, `Prove that ${secret} holds.`]) {
      const e = estimateComplexity(p);
      expect(e.reasons.length).toBeGreaterThan(0);
      for (const r of e.reasons) {
        expect(r.length).toBeGreaterThan(0);
        expect(r.length).toBeLessThan(120);
        expect(r).not.toContain('zebracorn');
      }
    }
  });

  it('explains the deciding rule first', () => {
    expect(estimateComplexity('Prove that there are infinitely many primes.').reasons[0]).toMatch(/proof/);
    expect(estimateComplexity('hi').reasons[0]).toMatch(/greeting/);
  });

  it('is deterministic', () => {
    for (const p of SAMPLE.slice(0, 10).map(([, q]) => q)) expect(estimateComplexity(p)).toEqual(estimateComplexity(p));
  });

  it('measures CJK length by meaning, not raw characters', () => {
    const zh = estimateComplexity(
      '请详细分析一下人工智能对未来就业市场的影响，包括哪些行业会受到冲击，哪些新岗位会出现，以及政府应该如何应对。',
    );
    const shortEn = estimateComplexity('What is AI?');
    expect(zh.score).toBeGreaterThan(shortEn.score);
    expect(zh.level).not.toBe('small');
  });
});

describe('estimateComplexity: thresholds', () => {
  it('respects custom thresholds', () => {
    const prompt = 'Explain how a refrigerator keeps food cold.';
    const base = estimateComplexity(prompt);
    expect(base.level).toBe('medium');
    expect(estimateComplexity(prompt, { medium: 0.01, cloud: 0.02 }).level).toBe('cloud');
    expect(estimateComplexity(prompt, { medium: 0.99, cloud: 1 }).level).toBe('small');
    expect(estimateComplexity(prompt, { medium: 0.99, cloud: 1 }).score).toBe(base.score);
  });

  it('orders the surest cloud cases above weaker ones', () => {
    const proof = estimateComplexity('Prove that the square root of 2 is irrational.').score;
    const deposit = estimateComplexity(
      'My landlord in California kept my entire security deposit, claiming normal wear and tear. What are my legal options?',
    ).score;
    expect(proof).toBeGreaterThan(deposit);
  });
});

describe('estimateComplexity: labelled sample', () => {
  it('has at least 40 prompts with every tier covered', () => {
    expect(SAMPLE.length).toBeGreaterThanOrEqual(40);
    for (const level of ['small', 'medium', 'cloud'] as const) {
      expect(SAMPLE.filter(([l]) => l === level).length).toBeGreaterThanOrEqual(10);
    }
  });

  const score = (sample: readonly (readonly [ComplexityLevel, string])[]) => {
    let exact = 0;
    let under = 0;
    let cloud = 0;
    const misses: string[] = [];
    for (const [label, prompt] of sample) {
      const got = estimateComplexity(prompt).level;
      if (got === 'cloud') cloud++;
      if (got === label) exact++;
      else {
        if (RANK[got] < RANK[label]) under++;
        misses.push(`${label}→${got}: ${prompt.slice(0, 60)}`);
      }
    }
    return { exact: exact / sample.length, under: under / sample.length, cloud: cloud / sample.length, misses: misses.join('\n') };
  };

  // why: the samples are written to the labelling rules, so the rules should get nearly all of them;
  // 85% exact and ≤ 8% under-routed leave room for honest misses without hiding regressions.
  it('meets minimum accuracy and maximum under-routing on the first sample', () => {
    const r = score(SAMPLE);
    expect(r.exact, r.misses).toBeGreaterThanOrEqual(0.85);
    expect(r.under, r.misses).toBeLessThanOrEqual(0.08);
  });

  it('meets minimum accuracy and maximum under-routing on the second sample', () => {
    const r = score(MORE_SAMPLE);
    expect(r.exact, r.misses).toBeGreaterThanOrEqual(0.85);
    expect(r.under, r.misses).toBeLessThanOrEqual(0.08);
    // why: the issue's budget is at most 40% cloud calls; the sample is about a third cloud by design.
    expect(r.cloud).toBeLessThanOrEqual(0.4);
  });
});

describe('features: pattern index', () => {
  it('indexes every pattern group except the short-prompt-only arithmetic one', () => {
    expect(unindexedPatterns().every((p) => p.startsWith('arithmetic:'))).toBe(true);
    // Unanchored starts stay rare characters: no ASCII letters or digits (those would walk every position).
    expect(anywhereStartChars()).not.toMatch(/[a-z0-9]/i);
  });

  it('reads the whole-prompt groups, all anchored at the start, from a walk at position 0 alone', () => {
    // The groups rule 1 and the learned model read on the whole prompt; a walk of all its characters is not needed for them.
    expect(startAnchoredGroups()).toEqual(expect.arrayContaining(['greeting', 'aboutAssistant', 'titleRequest', 'whyQuestion']));
    // Not start-anchored: an alternative without ^ (commonFact's "是什么$"), or \b only.
    expect(startAnchoredGroups()).not.toContain('commonFact');
    expect(startAnchoredGroups()).not.toContain('codeGeneration');
  });

  it('gives exactly the answers of plain regex scans', () => {
    const prompts = [...SAMPLE, ...MORE_SAMPLE].map(([, p]) => p);
    prompts.push(`${ARTICLE}\n\n${CODE}\n\nFind the bug.`, ARTICLE.toUpperCase(), '数学'.repeat(700));
    // The whole text differs from the ask (trailing symbols, a long prompt), so start-anchored groups take the walk from 0.
    prompts.push(
      'hi!! 👋',
      'Who are you?? 🙂',
      `Why is the sky blue? ${ARTICLE}`,
      `Write a title for this: ${ARTICLE}`,
      `hello ${ARTICLE}`,
    );
    for (const prompt of prompts) {
      const f = extractFeatures(prompt);
      for (const id of Object.keys(patternGroups) as PatternGroupId[]) {
        const src = patternGroups[id].patterns.map((x) => `(?:${x})`).join('|');
        const sticky = new RegExp(src, 'y');
        for (const scope of ['ask', 'edges', 'whole'] as const) {
          const text = f.text(scope);
          const range = f.startRange(scope);
          let expected = false;
          for (let q = 0; q <= text.length && !expected; q++) {
            if (q >= range.headEnd && q < range.tailStart) continue;
            sticky.lastIndex = q;
            expected = sticky.test(text);
          }
          expect(f.has(id, scope), `${id} in ${scope} of ${prompt.slice(0, 40)}`).toBe(expected);
        }
        const global = new RegExp(src, 'g');
        let n = 0;
        while (n < 10 && global.exec(f.text('ask')) !== null) n++;
        expect(f.count(id, 10), `count ${id}`).toBe(n);
      }
    }
  });

  it('reads a long prompt the same whether it normalises the whole text or only the windows it reads', () => {
    const quoted = ARTICLE.replace(/\. /g, '.\u201d \u201cIt\u2019s ');
    // An astral capital (Deseret, lower-cased as a surrogate pair) split by each cut of the 400-character ask windows.
    const edge = (from: string): string => from.replace(/\s+/g, ' ').slice(0, 399);
    const astral = `${edge(ARTICLE.toUpperCase())}\u{10400}\n\n${ARTICLE}\n\n\u{10400}${edge(ARTICLE.toUpperCase())}`;
    const listy = `A) FIRST ITEM TO CHECK\nB) Second item\nC. third\n${'Some Filler Prose Here. '.repeat(120)}`;
    const codeLines = `File \u201cmain.py\u201d, line 12\nKEY: Value\n\u201cx\u201d = 1;\nIMPORT os\n${'Plain Prose Line.\n'.repeat(140)}`;
    const prompts = [
      `${quoted} ${quoted}\n\nWHAT IS THE MAIN POINT?`,
      astral,
      `${listy}\n\n${ARTICLE}`,
      `${codeLines}\n\nFind the bug.`,
      `${ARTICLE}\n\n\`\`\`py\n${CODE}\n\`\`\`\n\n${quoted}\nExplain.`,
      `${'Ünïcödé Çäsé Wörds “quoted” ’ '.repeat(90)}\nSummarize.`,
    ];
    for (const prompt of prompts) {
      expect(prompt.length).toBeGreaterThan(2000);
      const windowed = extractFeatures(prompt);
      const whole = extractFeatures(prompt, { normaliseWhole: true });
      for (const scope of ['ask', 'whole'] as const) expect(windowed.text(scope)).toBe(whole.text(scope));
      expect(windowed.code).toEqual(whole.code);
      expect(windowed.listItems).toBe(whole.listItems);
      expect([windowed.effLength, windowed.proseEffLength, windowed.longInput]).toEqual([
        whole.effLength,
        whole.proseEffLength,
        whole.longInput,
      ]);
      for (const g of Object.keys(patternGroups) as PatternGroupId[]) expect(windowed.has(g)).toBe(whole.has(g));
    }
    // The cases above do exercise what the window path must get right.
    expect(prompts[0]).toContain('\u2019');
    // The tail window starts with the low half of the lower-cased pair (U+10428 is D801 DC28).
    expect(extractFeatures(astral).text('ask').slice(-400).charCodeAt(0)).toBe(0xdc28);
    expect(extractFeatures(prompts[0]!).text('ask')).toContain("'");
    expect(extractFeatures(prompts[3]!).code.codeLines).toBeGreaterThanOrEqual(3);
    expect(extractFeatures(prompts[2]!, { normaliseWhole: true }).listItems).toBeGreaterThanOrEqual(3);
  });

  it('reads bullet (•) list items (written as a \\u escape in the regular expression)', () => {
    expect(extractFeatures('Compare:\n• first option\n• second option\n• third option').listItems).toBe(3);
    expect(extractFeatures('Compare:\n~ first option\n~ second option\n~ third option').listItems).toBe(0);
  });

  it('tells code lines exactly like the single code-line regex it replaces', () => {
    // The reference: the regex before its two end-anchored alternatives became a check from the line's end.
    const reference =
      /^[ \t]*(?:(?:def|class|import|from \S+ import|#include|function|const|let|var|public|private|protected|static|return|elif|else|try|catch|except|finally|switch|case|fn|func|package|using|namespace|struct|impl|assert|raise|del|async|await|yield|echo|exit|fi|then|done|esac|export|local|select|insert into|update \w+ set|create table)\b[^\n]*|[\w.[\]'"]+[ \t]*(?:[-+*/%|&]?=|:=)[ \t]*[^\s=][^\n]*|[\w.]+\([^\n]*\)[ \t]*;?|[^\n]*[;{}][ \t]*|[^\n]*\)[ \t]*:[ \t]*|(?:if|for|while) ?[([][^\n]*|[ \t]*(?:\/\/|#!)[^\n]*|<\/?[a-z][\w-]*[^>\n]*>[ \t]*|[a-z_][\w.-]*:(?:[ \t]+[^\s#]\S*)?|file "[^"\n]+", line \d+[^\n]*|traceback \(most recent call last\):|\w+(?:error|exception): [^\n]*)$/i;
    const lines = [...SAMPLE, ...MORE_SAMPLE, ['', ARTICLE], ['', CODE]].flatMap(([, p]) => p.split('\n'));
    const parts = [
      'foo',
      'x',
      ' ',
      '\t',
      ';',
      '{',
      '}',
      ')',
      '(',
      ':',
      '=',
      '"',
      "'",
      'def',
      'if',
      '<a>',
      '#',
      '//',
      'error: ',
      'é',
      ',',
      '.',
      'Key',
    ];
    let seed = 11;
    const pick = (): string => parts[(seed = (seed * 48271) % 2147483647) % parts.length]!;
    for (let i = 0; i < 3000; i++) lines.push(Array.from({ length: 1 + (i % 9) }, pick).join(''));
    let codeLike = 0;
    for (const line of lines) {
      expect(isCodeLine(line), JSON.stringify(line)).toBe(reference.test(line));
      if (reference.test(line)) codeLike++;
    }
    // Raw typographic quotes read as the ASCII ones they normalise to.
    const curly = lines.map((l) =>
      l.replace(/'/g, (q, i: number) => (i % 2 ? '\u2019' : '\u2018')).replace(/"/g, (q, i: number) => (i % 2 ? '\u201d' : '\u201c')),
    );
    curly.push('File \u201cmain.py\u201d, line 12', '\u201cx\u201d = 1', '\u2018k\u2019 = 2', 'file \u201ca"b\u201d, line 3');
    let quoted = 0;
    for (const line of curly) {
      const ascii = line.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"');
      expect(isCodeLine(line), JSON.stringify(line)).toBe(reference.test(ascii));
      if (ascii !== line && reference.test(ascii)) quoted++;
    }
    expect(quoted).toBeGreaterThan(20);
    expect(codeLike).toBeGreaterThan(300);
    expect(lines.length - codeLike).toBeGreaterThan(300);
  });

  it('stays fast on a 4,000-character prompt', () => {
    const long = `${ARTICLE} ${ARTICLE} ${ARTICLE}`.slice(0, 3950) + '\n\nWhat is the main point?';
    // As the server calls it: with the scratch memory it keeps for the process (routing/state.ts).
    const scratch = new TextScratch();
    for (let i = 0; i < 200; i++) estimateComplexity(long, undefined, scratch);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) estimateComplexity(long, undefined, scratch);
    const perCallUs = ((performance.now() - t0) / 1000) * 1000;
    // why: the target is tens of µs; 1 ms per call only catches catastrophic regressions (runaway regex
    // backtracking) without failing on a loaded CI machine.
    expect(perCallUs).toBeLessThan(1000);
  });
});
