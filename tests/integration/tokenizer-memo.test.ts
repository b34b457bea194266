// The embedded engine's tokenizer memory (router-core/engines/tokenizer-memo.ts) on a real llama.cpp model (the
// generated tiny GGUF): the tokens are exactly llama.cpp's, and LlamaChat's own tokenization of a prompt the engine
// already tokenized is answered from memory.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMO_MIN_CHARS, memoizeTokenizer } from '../../router-core/engines/tokenizer-memo.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';

let dir: string;
let llama: Llama;
let modelPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'tokenizer-memo-'));
  modelPath = (await makeTinyGguf(join(dir, 'tiny.gguf'))).path;
  llama = await getLlama({ build: 'never', gpu: false, logLevel: LlamaLogLevel.error });
}, 120_000);

afterAll(async () => {
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const longText = (n: number): string => `Turn ${n}: ${'the river runs past the old mill and the children play by the water '.repeat(8)}`;

describe('memoizeTokenizer', () => {
  it('returns exactly what llama.cpp returns, for every flag combination, first time and from memory', async () => {
    const model = await llama.loadModel({ modelPath });
    try {
      const plain = model.tokenize.bind(model) as (t: string, s?: boolean, o?: 'trimLeadingSpace') => Token[];
      const stats = memoizeTokenizer(model);
      const texts = [longText(1), ` ${longText(2)}`, `<s>${longText(3)}</s>`, 'short text'];
      for (const text of texts)
        for (const special of [false, true])
          for (const opt of [undefined, 'trimLeadingSpace'] as const) {
            const want = plain(text, special, opt);
            expect(model.tokenizer(text, special, opt)).toEqual(want);
            // The copy handed out is the caller's: changing it does not change what the memory answers next.
            const again = model.tokenizer(text, special, opt);
            expect(again).toEqual(want);
            again.length = 0;
            expect(model.tokenizer(text, special, opt)).toEqual(want);
          }
      // 3 long texts × 4 flag pairs: each tokenized once, answered twice from memory; the short one never remembered.
      expect(stats.misses).toBe(12);
      expect(stats.hits).toBe(24);
      expect('short text'.length).toBeLessThan(MEMO_MIN_CHARS);
      // The helpers the library reads from the tokenizer are still there.
      expect(model.tokenizer.detokenize(plain(longText(1)))).toBe(model.detokenize(plain(longText(1))));
    } finally {
      await model.dispose();
    }
  }, 120_000);

  it('forgets the least recently used texts beyond its size', async () => {
    const model = await llama.loadModel({ modelPath });
    try {
      const size = longText(1).length + 2;
      // Room for two texts.
      const stats = memoizeTokenizer(model, 2 * size + 10);
      model.tokenizer(longText(1));
      model.tokenizer(longText(2));
      model.tokenizer(longText(1)); // hit: 1 is now the most recent
      model.tokenizer(longText(3)); // drops 2
      expect(stats).toMatchObject({ hits: 1, misses: 3 });
      model.tokenizer(longText(1));
      model.tokenizer(longText(3));
      expect(stats).toMatchObject({ hits: 3, misses: 3 });
      model.tokenizer(longText(2));
      expect(stats).toMatchObject({ hits: 3, misses: 4 });
    } finally {
      await model.dispose();
    }
  }, 120_000);

  it('tokenizes only the new messages of a follow-up turn: the earlier ones are pieces it already holds', async () => {
    const model = await llama.loadModel({ modelPath });
    try {
      const plain = model.tokenizer;
      // What reaches llama.cpp, whatever the memory does with it: every character the native tokenizer was given.
      let nativeChars = 0;
      const counting = Object.assign(
        (t: string, s?: boolean | 'builtin', o?: 'trimLeadingSpace') => ((nativeChars += t.length), plain(t, s as boolean, o)),
        plain,
      );
      Object.defineProperty(model, 'tokenizer', { value: counting, configurable: true, writable: true });
      const stats = memoizeTokenizer(model);
      const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 });
      const chat = new LlamaChat({ contextSequence: context.getSequence() });
      const history: ChatHistoryItem[] = [];
      const render = () =>
        chat.chatWrapper.generateContextState({ chatHistory: [...history, { type: 'model', response: [] }] }).contextText;
      for (let turn = 1; turn <= 6; turn++) {
        // A chat message of a usual size (~220 characters), not a pasted document.
        const user = `Turn ${turn}: ${'the river runs past the old mill and the children play by the water '.repeat(3)}`;
        const answer = `answer number ${turn} to that`;
        history.push({ type: 'user', text: user });
        const before = nativeChars;
        const tokens = render().tokenize(model.tokenizer);
        const tokenized = nativeChars - before;
        // Exactly what llama.cpp gives for the whole rendering.
        expect(tokens).toEqual(render().tokenize(plain));
        // From the second turn on, only the new user message (and the answer added before it) reach llama.cpp, not
        // the history: the characters tokenized stay those of one turn however long the conversation grows.
        if (turn > 1) expect(tokenized).toBeLessThanOrEqual(user.length + answer.length + 32);
        history.push({ type: 'model', response: [answer] });
      }
      expect(stats.hits).toBeGreaterThan(10);
      await context.dispose();
    } finally {
      await model.dispose();
    }
  }, 120_000);

  it("answers LlamaChat's tokenization of a prompt the engine tokenized first from memory, and the answer is unchanged", async () => {
    const answer = async (memo: boolean): Promise<{ text: string; missChars: number; hits: number }> => {
      const model: LlamaModel = await llama.loadModel({ modelPath });
      try {
        const stats = memo ? memoizeTokenizer(model) : { hits: 0, misses: 0, missChars: 0 };
        const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 });
        const chat = new LlamaChat({ contextSequence: context.getSequence() });
        const history = [
          { type: 'user' as const, text: longText(1) },
          { type: 'model' as const, response: ['an earlier answer'] },
          { type: 'user' as const, text: longText(2) },
          { type: 'model' as const, response: [] },
        ];
        // What the engine does before generating (fitPrompt): render and tokenize the prompt.
        const rendered = chat.chatWrapper.generateContextState({ chatHistory: history }).contextText;
        rendered.tokenize(model.tokenizer);
        const before = { ...stats };
        const res = await chat.generateResponse(history, { maxTokens: 8, temperature: 0 });
        await context.dispose();
        return { text: res.response, missChars: stats.missChars - before.missChars, hits: stats.hits - before.hits };
      } finally {
        await model.dispose();
      }
    };
    const withMemo = await answer(true);
    const without = await answer(false);
    expect(withMemo.text).toBe(without.text);
    // LlamaChat tokenized the whole prompt again: from memory, not by llama.cpp.
    expect(withMemo.hits).toBeGreaterThanOrEqual(1);
    expect(withMemo.missChars).toBeLessThan(longText(2).length);
  }, 120_000);
});
