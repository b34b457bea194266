// "Export all history": every saved conversation (all versions, each answer's model and cost) as one JSON file.
import { useState } from 'react';
import { api, ApiError } from '../../api/client';
import type { HistoryExportDto } from '../../api/types';
import { Button } from '../../components/Button';
import { download } from '../chat/export';

/** The file name for an export made at `exportedAt` (ISO time): hybrid-ai-history-YYYY-MM-DD.json. */
export function historyFileName(exportedAt: string): string {
  return `hybrid-ai-history-${exportedAt.slice(0, 10)}.json`;
}

/** A button that downloads the whole history, then says how much it held (or why it failed). */
export function HistoryExport({ onDone, onError }: { onDone(message: string): void; onError(message: string): void }) {
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    setBusy(true);
    try {
      const doc = await api<HistoryExportDto>('GET', '/api/v1/history/export');
      download(historyFileName(doc.exported_at), 'application/json', `${JSON.stringify(doc, null, 2)}\n`);
      const messages = doc.conversations.reduce((n, c) => n + c.messages.length, 0);
      onDone(`Exported ${doc.conversations.length} conversations and ${messages} messages`);
    } catch (e) {
      onError(`Could not export the history: ${e instanceof ApiError ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button icon="download" disabled={busy} onClick={() => void run()}>
      Export all history (.json)
    </Button>
  );
}
