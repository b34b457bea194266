// With HYBRID_AI_LOCAL_MODEL, the model lists (/api/tags, /api/show, /api/ps, /v1/models) describe the GGUF file that
// really answers (its name, size and header: architecture, parameters, quantization, context, chat template), not the
// catalog models it stands in for; the catalog names still work in requests. Real llama.cpp on a generated GGUF; the
// file's facts are read independently with node-llama-cpp's own GGUF reader.
import { statSync, utimesSync } from 'node:fs';
import { readGgufFileInfo } from 'node-llama-cpp';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localModels } from '../../router-core/data/models.js';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

let gw: RealGateway;
/** What the file holds, as node-llama-cpp reads it. */
let file: { size: number; arch: string; params: number; context: number; template: string; fileType: number };

beforeAll(async () => {
  gw = await startRealGateway();
  const info = await readGgufFileInfo(gw.gguf);
  const meta = info.metadata as unknown as Record<string, any>;
  const arch = String(meta.general.architecture);
  let params = 0;
  for (const t of info.fullTensorInfo ?? info.tensorInfo ?? []) params += t.dimensions.reduce((a: number, d) => a * Number(d), 1);
  file = {
    size: statSync(gw.gguf).size,
    arch,
    params,
    context: Number(meta[arch].context_length),
    template: String(meta.tokenizer.chat_template),
    fileType: Number(meta.general.file_type),
  };
}, 60_000);
afterAll(async () => gw?.close());

const ollama = (): Ollama => new Ollama({ host: gw.srv.url, headers: gw.srv.auth });
const openai = (): OpenAI => new OpenAI({ baseURL: `${gw.srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
const catalogIds = localModels.map((m) => m.id);

describe('the model lists describe the HYBRID_AI_LOCAL_MODEL file', () => {
  it('the generated file is what the test expects (llama, F32, a few hundred thousand parameters, 2,048 tokens)', () => {
    expect(file).toMatchObject({ arch: 'llama', fileType: 0, context: 2048 });
    expect(file.params).toBeGreaterThan(1_000);
    expect(file.params).toBeLessThan(1_000_000);
  });

  it('/api/tags lists the file once, with its size and header, and none of the catalog names it answers for', async () => {
    const { models } = await ollama().list();
    const names = models.map((m) => m.name);
    expect(names).toContain('tiny:latest');
    expect(names.filter((n) => catalogIds.includes(n.replace(/:latest$/, '')))).toEqual([]);
    const tiny = models.find((m) => m.name === 'tiny:latest')!;
    expect(tiny.size).toBe(file.size);
    expect(tiny.details).toEqual({
      parent_model: '',
      format: 'gguf',
      family: 'llama',
      families: ['llama'],
      // Ollama's human number: thousands as "513K".
      parameter_size: `${Math.round(file.params / 1000)}K`,
      quantization_level: 'F32',
    });
  });

  it('/api/show describes the file, asked by its name or by a catalog name it answers for (Qwen3 here)', async () => {
    for (const model of ['tiny:latest', 'tiny', 'qwen3-1.7b', 'tinyllama:latest']) {
      const show = await ollama().show({ model });
      expect(show.details, model).toMatchObject({ format: 'gguf', family: 'llama', quantization_level: 'F32' });
      expect(show.model_info, model).toMatchObject({
        'general.architecture': 'llama',
        'general.parameter_count': file.params,
        'llama.context_length': file.context,
      });
      expect(show.template, model).toBe(file.template);
      // Not the catalog entry's licence: the file's is unknown here.
      expect(show.license, model).toBe('');
    }
  });

  it("modified_at in /api/tags and /api/show is the file's modification time, not the server's start", async () => {
    const changed = new Date('2024-03-05T06:07:08.000Z');
    utimesSync(gw.gguf, changed, changed);
    const { models } = await ollama().list();
    expect(new Date(models.find((m) => m.name === 'tiny:latest')!.modified_at).toISOString()).toBe(changed.toISOString());
    for (const model of ['tiny', 'tinyllama']) {
      expect(new Date((await ollama().show({ model })).modified_at).toISOString(), model).toBe(changed.toISOString());
    }
  });

  it('/api/ps describes the loaded file: size, header and context', async () => {
    const chat = await ollama().chat({ model: 'tinyllama', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 2 } });
    expect(chat.done).toBe(true);
    const { models } = await ollama().ps();
    expect(models).toHaveLength(1);
    // Its size in memory, as Ollama's: the weights (the file) and the context llama.cpp opened for its sequences.
    const system = (await (await fetch(`${gw.srv.url}/api/v1/system`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
      parallel: { models: Array<{ model: string; context_bytes: number }> };
    };
    const held = system.parallel.models.find((m) => m.model === 'tiny')!;
    expect(held.context_bytes).toBeGreaterThan(0);
    expect(models[0]).toMatchObject({
      name: 'tiny:latest',
      size: file.size + held.context_bytes,
      details: { format: 'gguf', family: 'llama', parameter_size: `${Math.round(file.params / 1000)}K`, quantization_level: 'F32' },
    });
  });

  it('/v1/models lists the file, not the catalog names; a catalog name is still found and still answers (from the file)', async () => {
    const ids: string[] = [];
    for await (const m of openai().models.list()) ids.push(m.id);
    expect(ids).toContain('tiny');
    expect(ids.filter((id) => catalogIds.includes(id))).toEqual([]);
    expect(await openai().models.retrieve('tinyllama')).toMatchObject({ id: 'tinyllama', owned_by: 'local' });
    const c = await openai().chat.completions.create({ model: 'phi2', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] });
    expect(c.model).toBe('tiny');
  });
});
