// Template-generated training prompts: long inputs and pasted code labelled by their ask, arithmetic, word problems, constraints, letter counts.
// Deterministic (no randomness): variants are picked by index arithmetic, so the set is the same on every run.
import { banks, passage } from './passages.js';
import type { Example, Tier } from './types.js';

/** Pick the i-th item of a list, cycling. */
const at = <T>(xs: readonly T[], i: number): T => xs[((i % xs.length) + xs.length) % xs.length]!;

interface Ask {
  text: string;
  tier: Tier;
  rule: string;
  /** Put the ask before the material instead of after it. */
  before?: boolean;
}

// ── Rule 2: long input labelled by its ask ────────────────────────────────────────────────────
const longAsks: Ask[] = [
  { text: 'Give this a title.', tier: 'small', rule: '2' },
  { text: 'Suggest a short headline for the text above.', tier: 'small', rule: '2' },
  { text: 'What would be a good subject line for this?', tier: 'small', rule: '2' },
  { text: 'Read the following and tell me, in one word, what its overall tone is.', tier: 'small', rule: '2', before: true },
  { text: 'Is the writer overall positive or negative? Answer with one word.', tier: 'small', rule: '2' },
  { text: 'Which city or place is mentioned first?', tier: 'small', rule: '2' },
  { text: 'What day was the meeting moved to?', tier: 'small', rule: '2' },
  { text: 'Who wrote the first message?', tier: 'small', rule: '2' },
  { text: 'What language is this text in?', tier: 'small', rule: '2' },
  { text: 'Answer yes or no: does the text mention money?', tier: 'small', rule: '2' },
  { text: 'Classify the text below as one of: news, email, review, report, notes, fiction.', tier: 'small', rule: '2', before: true },
  { text: 'What is the name of the person quoted?', tier: 'small', rule: '2' },
  { text: 'Summarize the text above in three sentences.', tier: 'medium', rule: '2' },
  { text: 'What are the key points? Give me a bulleted list.', tier: 'medium', rule: '2' },
  { text: 'Rewrite the following so it sounds more professional.', tier: 'medium', rule: '2', before: true },
  { text: 'Proofread this and fix any grammar or style problems.', tier: 'medium', rule: '2' },
  { text: 'tl;dr please', tier: 'medium', rule: '2' },
  { text: 'Translate the first two paragraphs into Spanish.', tier: 'medium', rule: '2' },
  { text: 'Write a short reply to this on behalf of the team, thanking them and confirming next steps.', tier: 'medium', rule: '6' },
  { text: 'Explain the text below to a twelve-year-old.', tier: 'medium', rule: '2', before: true },
  { text: 'Condense this into a paragraph for a newsletter.', tier: 'medium', rule: '2' },
  { text: 'Rewrite the text above without using the letter "e" anywhere.', tier: 'cloud', rule: '10' },
  { text: 'How many times does the word "the" appear in the text above? Count exactly.', tier: 'cloud', rule: '11' },
  { text: 'Translate all of this into Kannada.', tier: 'cloud', rule: '10' },
];

/** Asks that need two sources (rule 2: synthesis across several sources is cloud). */
const synthesisAsks: Ask[] = [
  {
    text: 'Find every contradiction between the two documents above and explain which account is more likely correct.',
    tier: 'cloud',
    rule: '2',
  },
  { text: 'Reconcile the two texts into one consistent timeline, pointing out where they conflict.', tier: 'cloud', rule: '2' },
  { text: 'Cross-reference both sources and list the claims that cannot both be true.', tier: 'cloud', rule: '2' },
  { text: 'Compare these two documents and summarize each in one sentence.', tier: 'medium', rule: '2' },
  { text: 'Give each of the two documents a title.', tier: 'small', rule: '2' },
];

function longInputExamples(): Example[] {
  const out: Example[] = [];
  longAsks.forEach((ask, a) => {
    for (let v = 0; v < 4; v++) {
      const bank = at(banks, a + v * 2);
      const text = passage(bank, 900 + ((a * 131 + v * 377) % 1400), a + v);
      const prompt = ask.before ? `${ask.text}\n\n${text}` : `${text}\n\n${ask.text}`;
      out.push({ prompt, tier: ask.tier, category: 'long_input', rule: ask.rule, group: `long:${a}` });
    }
  });
  synthesisAsks.forEach((ask, a) => {
    for (let v = 0; v < 3; v++) {
      const one = passage(at(banks, a + v), 600, v);
      const two = passage(at(banks, a + v + 3), 600, v + 2);
      out.push({
        prompt: `Document 1:\n${one}\n\nDocument 2:\n${two}\n\n${ask.text}`,
        tier: ask.tier,
        category: 'long_input_two_sources',
        rule: ask.rule,
        group: `synth:${a}`,
      });
    }
  });
  return out;
}

// ── Rule 3: pasted code labelled by its ask ───────────────────────────────────────────────────
interface Snippet {
  lang: string;
  code: string;
  /** 8+ lines: "non-trivial code" in rule 3. */
  long: boolean;
}

const snippets: Snippet[] = [
  {
    lang: 'python',
    long: true,
    code: `def load_users(path):
    users = {}
    with open(path) as f:
        for line in f:
            name, age, city = line.strip().split(",")
            if city not in users:
                users[city] = []
            users[city].append((name, int(age)))
    for city in users:
        users[city].sort(key=lambda u: u[1])
    return users`,
  },
  {
    lang: 'javascript',
    long: true,
    code: `async function fetchAll(urls) {
  const results = [];
  for (let i = 0; i <= urls.length; i++) {
    const res = await fetch(urls[i]);
    if (!res.ok) continue;
    const body = await res.json();
    results.push({ url: urls[i], items: body.items.length });
  }
  return results.sort((a, b) => b.items - a.items);
}`,
  },
  {
    lang: 'java',
    long: true,
    code: `public class Counter {
    private int count = 0;
    private final Map<String, Integer> perUser = new HashMap<>();

    public void hit(String user) {
        count++;
        Integer n = perUser.get(user);
        perUser.put(user, n == null ? 1 : n + 1);
    }

    public int total() { return count; }
}`,
  },
  {
    lang: 'go',
    long: true,
    code: `func worker(jobs <-chan int, results chan<- int, wg *sync.WaitGroup) {
	for j := range jobs {
		results <- j * j
	}
	wg.Done()
}

func main() {
	jobs := make(chan int)
	results := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go worker(jobs, results, &wg)
	}
	for i := 0; i < 10; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}`,
  },
  {
    lang: 'sql',
    long: true,
    code: `SELECT c.name, COUNT(o.id) AS orders, SUM(o.total) AS revenue
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id
WHERE o.created_at >= '2024-01-01'
GROUP BY c.name
HAVING COUNT(o.id) > 0
ORDER BY revenue DESC
LIMIT 20;`,
  },
  {
    lang: 'c',
    long: true,
    code: `char *join(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *out = malloc(la + lb);
    memcpy(out, a, la);
    memcpy(out + la, b, lb);
    out[la + lb] = '\\0';
    return out;
}

int main(void) {
    char *s = join("hello, ", "world");
    printf("%s\\n", s);
    return 0;
}`,
  },
  { lang: 'python', long: false, code: `nums = [3, 1, 4, 1, 5]\nprint(sorted(set(nums)))` },
  { lang: 'javascript', long: false, code: `const greet = (name) => \`Hello, \${name}!\`;\nconsole.log(greet("Ada"));` },
  {
    lang: 'rust',
    long: false,
    code: `fn main() {\n    let v = vec![1, 2, 3];\n    let total: i32 = v.iter().sum();\n    println!("{}", total);\n}`,
  },
  { lang: 'bash', long: false, code: `for f in *.log; do\n  gzip "$f"\ndone` },
  {
    lang: 'php',
    long: true,
    code: `<?php
$id = $_GET['id'];
$conn = new mysqli("localhost", "root", "", "shop");
$result = $conn->query("SELECT * FROM products WHERE id = " . $id);
while ($row = $result->fetch_assoc()) {
    echo "<h1>" . $row['name'] . "</h1>";
    echo "<p>" . $row['description'] . "</p>";
}
$conn->close();
?>`,
  },
  {
    lang: 'typescript',
    long: true,
    code: `export class Cache<T> {
  private store = new Map<string, { value: T; expires: number }>();

  get(key: string): T | undefined {
    const hit = this.store.get(key);
    if (!hit) return undefined;
    if (hit.expires < Date.now()) return undefined;
    return hit.value;
  }

  set(key: string, value: T, ttlMs: number): void {
    this.store.set(key, { value, expires: Date.now() + ttlMs });
  }
}`,
  },
];

const codeAsks: Array<Ask & { needsLong?: boolean; needsShort?: boolean }> = [
  { text: 'What programming language is this?', tier: 'small', rule: '3' },
  { text: 'Which language is this code written in?', tier: 'small', rule: '3', before: true },
  { text: 'What is the name of the first function here?', tier: 'small', rule: '3' },
  { text: 'Explain what this code does.', tier: 'medium', rule: '3' },
  { text: 'Add comments to this code.', tier: 'medium', rule: '3' },
  { text: 'Can you walk me through this code line by line?', tier: 'medium', rule: '3', before: true },
  { text: 'Rewrite this snippet in Python.', tier: 'medium', rule: '7', needsShort: true },
  { text: 'Find the bug in this code and fix it.', tier: 'cloud', rule: '3', needsLong: true },
  { text: 'Review this code for security problems and race conditions.', tier: 'cloud', rule: '3', needsLong: true },
  { text: 'This code sometimes crashes in production. What is wrong with it?', tier: 'cloud', rule: '3', needsLong: true },
  {
    text: 'Refactor this to support retries with backoff, add logging and unit tests, and keep the public interface unchanged.',
    tier: 'cloud',
    rule: '3',
    needsLong: true,
  },
];

function codeExamples(): Example[] {
  const out: Example[] = [];
  codeAsks.forEach((ask, a) => {
    let made = 0;
    for (let v = 0; v < snippets.length && made < 5; v++) {
      const s = at(snippets, a * 3 + v);
      if ((ask.needsLong && !s.long) || (ask.needsShort && s.long)) continue;
      const block = v % 2 === 0 ? `\`\`\`${s.lang}\n${s.code}\n\`\`\`` : s.code;
      const prompt = ask.before ? `${ask.text}\n\n${block}` : `${block}\n\n${ask.text}`;
      out.push({ prompt, tier: ask.tier, category: 'pasted_code', rule: ask.rule, group: `code:${a}` });
      made++;
    }
  });
  return out;
}

// ── Rule 8: single arithmetic and unit conversion (small) ─────────────────────────────────────
const arithmeticForms: Array<(a: number, b: number) => string> = [
  (a, b) => `What is ${a} + ${b}?`,
  (a, b) => `${a * 3} - ${b} = ?`,
  (a, b) => `What is ${a} times ${b % 20}?`,
  (a) => `Calculate ${a * 4} / 4.`,
  (a, b) => `What is ${b % 50}% of ${a * 10}?`,
  (a) => `Convert ${a} kilometers to miles.`,
  (a) => `How many pounds is ${a} kg?`,
  (a) => `Convert ${a} degrees Celsius to Fahrenheit.`,
  (a) => `What is the square root of ${a * a}?`,
  (a) => `How many minutes are in ${a} hours?`,
];

function arithmeticExamples(): Example[] {
  const out: Example[] = [];
  arithmeticForms.forEach((form, k) => {
    for (let v = 0; v < 4; v++) {
      const a = 7 + ((k * 37 + v * 53) % 190);
      const b = 3 + ((k * 71 + v * 29) % 97);
      out.push({ prompt: form(a, b), tier: 'small', category: 'arithmetic', rule: '8', group: `arith:${k}` });
    }
  });
  return out;
}

// ── Rule 8: routine word problems (medium) ────────────────────────────────────────────────────
const names = ['Ava', 'Liam', 'Noor', 'Kenji', 'Sofia', 'Mateo', 'Zara', 'Omar'];
const wordProblems: Array<(n: string, a: number, b: number, c: number) => string> = [
  (n, a, b, c) =>
    `${n} has ${a} stickers. She buys ${b} packs with ${c} stickers each and gives ${c + 2} to her brother. How many stickers does she have now?`,
  (n, a, b, c) =>
    `${n} runs ${b} km on weekdays and ${c + b} km on Saturdays. How many km does he run in ${(a % 6) + 2} weeks if he rests on Sundays?`,
  (n, a, b, c) =>
    `A bakery sells muffins for $${c}.50 each. ${n} buys ${b} muffins and pays with $${a + 40}. How much change does ${n} get?`,
  (n, a, b, c) =>
    `${n} earns $${a + 12} per hour and works ${b} hours a day for ${c} days. She spends a third of it on rent. How much is left?`,
  (n, a, b) =>
    `A class of ${a + 10} students goes on a trip. Each bus holds ${b + 10} students. How many buses are needed, and how many seats are empty?`,
  (n, a, b, c) =>
    `${n} plants ${b} rows of tomatoes with ${c + 3} plants per row. Each plant gives ${(a % 9) + 2} tomatoes. How many tomatoes in total?`,
];

function wordProblemExamples(): Example[] {
  const out: Example[] = [];
  wordProblems.forEach((form, k) => {
    for (let v = 0; v < 5; v++) {
      const a = 20 + ((k * 41 + v * 17) % 80);
      const b = 2 + ((k * 13 + v * 7) % 9);
      const c = 2 + ((k * 5 + v * 11) % 8);
      out.push({ prompt: form(at(names, k + v), a, b, c), tier: 'medium', category: 'math_word_problem', rule: '8', group: `wp:${k}` });
    }
  });
  return out;
}

// ── Rule 10: constrained writing ──────────────────────────────────────────────────────────────
const writingTasks = [
  (t: string) => `Write a blog post about ${t}.`,
  (t: string) => `Write a short poem about ${t}.`,
  (t: string) => `Write an essay on ${t}.`,
  (t: string) => `Write a story about ${t}.`,
  (t: string) => `Write a product pitch for an app that helps with ${t}.`,
];
const topics = [
  'learning to swim as an adult',
  'the first snow of the year',
  'working night shifts',
  'a city without cars',
  'growing herbs on a balcony',
  'the history of the bicycle',
  'moving to a new country',
  'a rainy day in a library',
  'the joy of cooking for friends',
  'saving money in your twenties',
];
const easyConstraints = [
  'Your entire response should be in lowercase letters.',
  'Keep it under 150 words.',
  'Include a title wrapped in double angular brackets, such as <<my title>>.',
  'End your response with the exact phrase "Any other questions?"',
  'Wrap your entire response in double quotation marks.',
  'Use exactly three bullet points.',
  'Add a postscript at the end starting with P.S.',
  'Make sure to include the keywords "window" and "river".',
];
const hardConstraints = [
  'Do not use any commas in your response, and make it at least 300 words long.',
  'Do not use the letter "a" anywhere in your response.',
  'The word "light" must appear at least 9 times.',
  'It must be exactly 137 words long.',
  'Every sentence must start with the letter T.',
  'Each line must have exactly seven syllables.',
  'Write it in Kannada only.',
  'The first letters of each line must spell the word "FOREVER".',
];

function constraintExamples(): Example[] {
  const out: Example[] = [];
  // One easy constraint: medium.
  easyConstraints.forEach((c, k) => {
    for (let v = 0; v < 4; v++) {
      const task = at(writingTasks, k + v);
      out.push({
        prompt: `${task(at(topics, k * 3 + v))} ${c}`,
        tier: 'medium',
        category: 'format_constraint_easy',
        rule: '10',
        group: `easy:${k}`,
      });
    }
  });
  // A lexical or counting constraint: cloud.
  hardConstraints.forEach((c, k) => {
    for (let v = 0; v < 4; v++) {
      const task = at(writingTasks, k + 2 * v);
      out.push({
        prompt: `${task(at(topics, k * 2 + v + 1))} ${c}`,
        tier: 'cloud',
        category: 'constraint_hard',
        rule: '10',
        group: `hard:${k}`,
      });
    }
  });
  // Three or more stacked easy constraints: small and medium models drop some (tie-breaker → cloud).
  for (let k = 0; k < 8; k++) {
    const task = at(writingTasks, k);
    const cs = [at(easyConstraints, k), at(easyConstraints, k + 3), at(easyConstraints, k + 5), at(easyConstraints, k + 6)];
    out.push({
      prompt: `${task(at(topics, k + 4))} ${cs.join(' ')}`,
      tier: 'cloud',
      category: 'constraint_stacked',
      rule: '10',
      group: `stack:${k % 4}`,
    });
  }
  return out;
}

// ── Rule 11: letter and word counts ───────────────────────────────────────────────────────────
const words = [
  'committee',
  'bookkeeper',
  'parallel',
  'necessary',
  'Tennessee',
  'banana',
  'assessment',
  'pepper',
  'millennium',
  'occurrence',
];
const letterForms: Array<(w: string, l: string) => string> = [
  (w, l) => `How many ${l}'s are in the word "${w}"?`,
  (w, l) => `Count the letter ${l} in "${w}".`,
  (w) => `Spell "${w}" backwards, letter by letter.`,
  (w) => `How many letters does "${w}" have?`,
  (w, l) => `In the word ${w}, how many times does "${l}" occur?`,
];

function letterExamples(): Example[] {
  const out: Example[] = [];
  letterForms.forEach((form, k) => {
    for (let v = 0; v < 5; v++) {
      const w = at(words, k * 2 + v);
      const letter = w.toLowerCase()[(k + v) % w.length]!;
      out.push({ prompt: form(w, letter), tier: 'cloud', category: 'char_level', rule: '11', group: `letters:${k}` });
    }
  });
  return out;
}

// ── Rules 4 and 6: "what is X?" (small) against "explain how X works" (medium) ─────────────────
const concepts = [
  'a rainbow',
  'a volcano',
  'gravity',
  'a vaccine',
  'inflation',
  'a firewall',
  'a credit card',
  'a hurricane',
  'an electric motor',
  'a search engine',
  'a thermostat',
  'a solar panel',
];
const conceptForms: Array<{ form: (c: string) => string; tier: Tier; rule: string }> = [
  { form: (c) => `What is ${c}?`, tier: 'small', rule: '4' },
  { form: (c) => `Define ${c} in one sentence.`, tier: 'small', rule: '5' },
  { form: (c) => `Explain how ${c} works, step by step, with an everyday example.`, tier: 'medium', rule: '6' },
  {
    form: (c) => `Write a short explainer for a school newsletter about ${c}: what it is, how it works and why it matters.`,
    tier: 'medium',
    rule: '6',
  },
];

function conceptExamples(): Example[] {
  const out: Example[] = [];
  conceptForms.forEach((f, k) => {
    for (let v = 0; v < 6; v++) {
      out.push({ prompt: f.form(at(concepts, k * 3 + v)), tier: f.tier, category: 'concept', rule: f.rule, group: `concept:${k}` });
    }
  });
  return out;
}

// ── Rule 7: code requests by difficulty ───────────────────────────────────────────────────────
const langs = ['Python', 'JavaScript', 'Java', 'Go', 'C#', 'Ruby'];
const codeForms: Array<{ form: (l: string) => string; tier: Tier }> = [
  { form: (l) => `How do I read a file line by line in ${l}?`, tier: 'small' },
  { form: (l) => `How do I get the current timestamp in ${l}?`, tier: 'small' },
  { form: (l) => `Write a ${l} function that returns the second largest number in a list.`, tier: 'medium' },
  { form: (l) => `Write a ${l} program that reads a JSON file of orders and prints the total per customer.`, tier: 'medium' },
  { form: (l) => `Implement a trie in ${l} with insert, search and prefix search.`, tier: 'medium' },
  {
    form: (l) =>
      `Build a complete ${l} web service with user registration, OAuth login, role-based permissions, a PostgreSQL schema with migrations, background jobs and an admin dashboard.`,
    tier: 'cloud',
  },
  {
    form: (l) =>
      `Write a ${l} solution for this contest problem: given n ≤ 10^5 intervals and q ≤ 10^5 queries, report for each query point how many intervals cover it, in O((n + q) log n).`,
    tier: 'cloud',
  },
];

function codeRequestExamples(): Example[] {
  const out: Example[] = [];
  codeForms.forEach((f, k) => {
    for (let v = 0; v < 4; v++) {
      out.push({ prompt: f.form(at(langs, k + v)), tier: f.tier, category: 'code_request', rule: '7', group: `codereq:${k}` });
    }
  });
  return out;
}

/** Every template-generated example. */
export function templateExamples(): Example[] {
  return [
    ...longInputExamples(),
    ...codeExamples(),
    ...arithmeticExamples(),
    ...wordProblemExamples(),
    ...constraintExamples(),
    ...letterExamples(),
    ...conceptExamples(),
    ...codeRequestExamples(),
  ];
}
