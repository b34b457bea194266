// The token estimate never under-counts against a real tokenizer: the Llama-2 vocabulary of ../shared's test GGUF (skipped without it).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import { estimateTokens } from '../../router-core/routing/tokens.js';

// ../shared beside the checkout (CI); a worktree under a sibling folder finds it one level further up.
const REAL = ['../shared', '../../shared'].map((d) => path.resolve(d, 'models/llama-2-tiny-random.gguf')).find((p) => existsSync(p)) ?? '';
let llama: Llama | undefined;
let model: LlamaModel | undefined;

beforeAll(async () => {
  if (!REAL) return;
  const { getLlama } = await import('node-llama-cpp');
  llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: 1 });
  model = await llama.loadModel({ modelPath: REAL });
}, 30_000);
afterAll(async () => {
  await model?.dispose();
  await llama?.dispose();
});

describe.skipIf(!REAL)('estimateTokens against the real Llama-2 tokenizer (TinyLlama, Llama-2, Mistral family)', () => {
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
  for (const [name, text] of Object.entries(samples)) {
    it(`${name}: the estimate is at least the real count, and not more than 3× it`, () => {
      const real = model!.tokenize(text).length;
      const est = estimateTokens(text);
      expect(est).toBeGreaterThanOrEqual(real);
      expect(est).toBeLessThanOrEqual(real * 3);
    });
  }
});
