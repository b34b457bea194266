// Checks the pure token estimate against a real tokenizer: the Llama-2 vocabulary of ../shared's test GGUF (never under-counts, at most 3× over).
//
// Usage: npx tsx bench/token-estimate.ts   (also run by `npm run bench`; exits 1 on an under-count)
// Lives beside the benchmarks, not in the test suite: a fresh clone has no ../shared, and a test that skips there
// would check nothing in CI. The suite's own context-fit tests use the generated GGUF and its real tokenizer.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { readGgufContextLength } from '../router-core/engines/gguf-info.js';
import { estimateTokens } from '../router-core/routing/tokens.js';

const REAL = path.resolve('../shared/models/llama-2-tiny-random.gguf');

const samples: Record<string, string> = {
  'English prose': 'The quick brown fox jumps over the lazy dog. Give this text a short title, and say why it fits. '.repeat(20),
  'TypeScript source': readFileSync('router-core/routing/policy.ts', 'utf8').slice(0, 6000),
  Markdown: readFileSync('README.md', 'utf8').slice(0, 6000),
  Chinese: '我们今天讨论一下机器学习模型的部署问题，以及如何在本地运行大型语言模型。请给出详细的步骤和注意事项。',
  Japanese: 'これは日本語のテキストです。モデルのコンテキスト長を超えないように注意してください。',
  Russian: 'Это русский текст о моделях машинного обучения и их развертывании на локальных серверах.',
  numbers: '3.14159 2.71828 1234567890 42 2026-12-07 10.0.0.1 $1,234.56',
  indentation: '    if (x) {\n        return y;\n    }\n\t\tfoo();\n',
  emoji: '😀🎉🚀 hello 👍🏽 world 🤖',
  JSON: JSON.stringify({ a: [1, 2, 3], nested: { key: 'value', list: ['x', 'y'] } }),
  'repeated word': 'word '.repeat(500),
};

/** Print estimate / real per sample; false when any sample is under-counted or over-counted past 3×. */
export async function checkTokenEstimate(log: (s: string) => void = console.log): Promise<boolean> {
  if (!existsSync(REAL)) {
    log(`token estimate: skipped (${REAL} not found)`);
    return true;
  }
  log(`token estimate vs the real Llama-2 tokenizer (GGUF context ${await readGgufContextLength(REAL)}):`);
  const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: 1 });
  const model = await llama.loadModel({ modelPath: REAL });
  let ok = true;
  try {
    for (const [name, text] of Object.entries(samples)) {
      const real = model.tokenize(text).length;
      const est = estimateTokens(text);
      const good = est >= real && est <= real * 3;
      ok &&= good;
      log(
        `  ${name.padEnd(18)} estimate ${String(est).padStart(5)}  real ${String(real).padStart(5)}  ×${(est / real).toFixed(2)}${good ? '' : '  ← out of bounds'}`,
      );
    }
  } finally {
    await model.dispose();
    await llama.dispose();
  }
  return ok;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = (await checkTokenEstimate()) ? 0 : 1;
}
