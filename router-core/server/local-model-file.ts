// The HYBRID_AI_LOCAL_MODEL file as the model lists show it: its name, size and what its GGUF header says.
import { stat } from 'node:fs/promises';
import { readGgufInfo } from '../engines/gguf-info.js';
import type { LocalModelFileInfo } from '../gateway/protocol.js';

/**
 * A describer of `file` (named `name`, as answers carry it): its header is read once per file version (size and
 * mtime), so listing models costs a stat. Undefined when the file cannot be read now.
 */
export function createLocalModelFileDescriber(file: string, name: string): () => Promise<LocalModelFileInfo | undefined> {
  let cached: { key: string; info: Promise<LocalModelFileInfo | undefined> } | undefined;
  return async () => {
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    const key = `${st.size}:${st.mtimeMs}`;
    if (cached?.key !== key) {
      const info = readGgufInfo(file).then(
        (g): LocalModelFileInfo => ({
          name,
          sizeBytes: st.size,
          modifiedAt: st.mtimeMs,
          ...(g?.architecture !== undefined ? { architecture: g.architecture } : {}),
          ...(g?.parameterCount !== undefined ? { parameterCount: g.parameterCount } : {}),
          ...(g?.quantization !== undefined ? { quantization: g.quantization } : {}),
          ...(g?.contextLength !== undefined ? { contextLength: g.contextLength } : {}),
          ...(g?.chatTemplate !== undefined ? { chatTemplate: g.chatTemplate } : {}),
          metadata: g?.metadata ?? {},
        }),
        // Unreadable now (replaced mid-read, permissions): its name and size still describe it.
        (): LocalModelFileInfo => ({ name, sizeBytes: st.size, modifiedAt: st.mtimeMs, metadata: {} }),
      );
      cached = { key, info };
    }
    return cached.info;
  };
}
