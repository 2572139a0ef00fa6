import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ContextDto, ConversationDto, NoteDto } from '@threadstore/shared';
import { useState } from 'react';
import { toast } from 'sonner';
import { isConflict, useConversationActions } from '../manage/useConversationActions.ts';
import { formatDateTime } from '../shell/prefs.ts';
import { errorMessage, useTRPC, useTRPCClient } from '../trpc.ts';
import { JsonEditor } from './JsonEditor.tsx';
import type { JsonObject } from './json-edit.ts';
import { TagEditor } from './TagEditor.tsx';

/** Agents write contexts and notes while the inspector is open: polled while the page is visible, and on focus. */
const LIVE = {
  refetchInterval: 5000,
  refetchIntervalInBackground: false,
  refetchOnWindowFocus: true,
  staleTime: 0,
} as const;

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function ContextRow({ context }: { context: ContextDto }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<{ value: JsonObject; base: ContextDto } | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [conflict, setConflict] = useState<ContextDto | null>(null);
  const [saving, setSaving] = useState(false);
  // A new editor (tree mode, fresh fields) after a save or a discard; the same one while a draft goes on.
  const [generation, setGeneration] = useState(0);
  const reset = () => {
    setDraft(null);
    setInvalid(null);
    setConflict(null);
    setGeneration((value) => value + 1);
  };
  const shown = draft?.value ?? (context.contextData as JsonObject);

  const save = async (value: JsonObject, expectedVersion: number) => {
    setSaving(true);
    try {
      await client.context.save.mutate({
        sessionId: context.sessionId,
        action: context.action,
        contextData: value,
        expectedVersion,
      });
      reset();
      toast.success(`Saved ${context.action}`);
    } catch (error) {
      if (isConflict(error)) {
        try {
          setConflict(await client.context.get.query({ sessionId: context.sessionId, action: context.action }));
        } catch (fetchError) {
          toast.error(errorMessage(fetchError));
        }
      } else toast.error(`Could not save ${context.action}: ${errorMessage(error)}`);
    } finally {
      setSaving(false);
      await queryClient.invalidateQueries(trpc.context.list.pathFilter());
    }
  };

  return (
    <li className="context-row" data-action={context.action}>
      <div className="row-head">
        <strong className="mono">{context.action}</strong>
        <span className="muted small">
          v{context.version} · {formatDateTime(new Date(context.updatedAt))}
        </span>
      </div>
      {draft && draft.base.version !== context.version && !conflict ? (
        <p className="notice small" role="status">
          Changed elsewhere while you edit (now v{context.version}); saving will ask which to keep.
        </p>
      ) : null}
      <JsonEditor
        key={`${generation}:${draft ? draft.base.version : context.version}`}
        label={context.action}
        value={shown}
        onValidity={setInvalid}
        onChange={(value) => setDraft({ value, base: draft?.base ?? context })}
      />
      {draft || invalid ? (
        <div className="row-actions">
          <button
            type="button"
            className="primary"
            disabled={!draft || invalid !== null || saving}
            onClick={() => draft && void save(draft.value, draft.base.version)}
          >
            Save
          </button>
          <button type="button" onClick={reset}>
            Discard
          </button>
        </div>
      ) : null}
      {conflict && draft ? (
        <div className="conflict" role="alertdialog" aria-label={`Conflict in ${context.action}`}>
          <p>
            <strong>Someone else saved {context.action}</strong> (now version {conflict.version}) after you started
            editing. Nothing was overwritten. Which one should stay?
          </p>
          <div className="conflict-sides">
            <figure>
              <figcaption>Yours</figcaption>
              <pre data-side="mine">{pretty(draft.value)}</pre>
            </figure>
            <figure>
              <figcaption>Theirs (v{conflict.version})</figcaption>
              <pre data-side="theirs">{pretty(conflict.contextData)}</pre>
            </figure>
          </div>
          <div className="row-actions">
            <button type="button" className="primary" onClick={() => void save(draft.value, conflict.version)}>
              Keep mine
            </button>
            <button type="button" onClick={reset}>
              Keep theirs
            </button>
          </div>
        </div>
      ) : null}
    </li>
  );
}

function NotesSection({ sessionId }: { sessionId: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const listOptions = trpc.note.list.queryOptions({ sessionId, limit: 100 }, LIVE);
  const notes = useQuery(listOptions);
  const summary = useQuery(trpc.note.summary.queryOptions({ sessionId }, LIVE));
  const [form, setForm] = useState({ action: '', name: '', context: '' });
  const items = notes.data?.items ?? [];
  const byAction = new Map<string, NoteDto[]>();
  for (const note of items) byAction.set(note.action, [...(byAction.get(note.action) ?? []), note]);

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.note.list.pathFilter()),
      queryClient.invalidateQueries(trpc.note.summary.pathFilter()),
    ]);

  /** Optimistic: the boxes change at once and go back if the server refuses. */
  const select = async (selections: Record<string, number>) => {
    const before = queryClient.getQueryData(listOptions.queryKey);
    queryClient.setQueryData(listOptions.queryKey, (data) =>
      data
        ? {
            ...data,
            items: data.items.map((note) =>
              note.name in selections ? { ...note, selectStatus: selections[note.name] as number } : note,
            ),
          }
        : data,
    );
    try {
      await client.note.setSelections.mutate({ sessionId, selections });
    } catch (error) {
      queryClient.setQueryData(listOptions.queryKey, before);
      toast.error(`Could not change the selection: ${errorMessage(error)}`);
    } finally {
      await refresh();
    }
  };
  const selectAllOf = (group: readonly NoteDto[], status: number) =>
    select(Object.fromEntries(group.map((note) => [note.name, status])));

  const create = async () => {
    try {
      await client.note.create.mutate({
        sessionId,
        action: form.action.trim(),
        name: form.name.trim(),
        context: form.context,
      });
      setForm({ action: form.action, name: '', context: '' });
    } catch (error) {
      toast.error(`Could not create the note: ${errorMessage(error)}`);
    } finally {
      await refresh();
    }
  };
  const remove = async (note: NoteDto) => {
    try {
      await client.note.delete.mutate({ sessionId, name: note.name });
    } catch (error) {
      toast.error(`Could not delete ${note.name}: ${errorMessage(error)}`);
    } finally {
      await refresh();
    }
  };

  return (
    <section className="inspector-section" aria-label="Notes">
      <h3>Notes</h3>
      {summary.data ? (
        <p
          className="note-summary"
          data-summary-selected={summary.data.selected}
          data-summary-total={summary.data.total}
        >
          <strong>{summary.data.selected}</strong> of <strong>{summary.data.total}</strong> selected
          {summary.data.perAction.length > 0
            ? ` · ${summary.data.perAction.map((entry) => `${entry.action}: ${entry.count}`).join(', ')}`
            : ''}
        </p>
      ) : null}
      {items.length > 0 ? (
        <div className="row-actions">
          <button type="button" onClick={() => void selectAllOf(items, 1)}>
            Select all
          </button>
          <button type="button" onClick={() => void selectAllOf(items, 0)}>
            Deselect all
          </button>
        </div>
      ) : notes.isSuccess ? (
        <p className="muted small">No notes in this session yet.</p>
      ) : null}
      {[...byAction].map(([action, group]) => (
        <div key={action} className="note-group">
          <div className="row-head">
            <span className="mono small">{action}</span>
            <button type="button" className="link-button small" onClick={() => void selectAllOf(group, 1)}>
              all
            </button>
            <button type="button" className="link-button small" onClick={() => void selectAllOf(group, 0)}>
              none
            </button>
          </div>
          <ul className="note-list">
            {group.map((note) => (
              <li key={note.id} className="note-row" data-note={note.name} data-selected={note.selectStatus !== 0}>
                <label>
                  <input
                    type="checkbox"
                    checked={note.selectStatus !== 0}
                    aria-label={`Select ${note.name}`}
                    onChange={(event) => void select({ [note.name]: event.target.checked ? 1 : 0 })}
                  />
                  <span className="note-name">{note.name}</span>
                </label>
                <button
                  type="button"
                  className="json-remove"
                  aria-label={`Delete note ${note.name}`}
                  onClick={() => void remove(note)}
                >
                  ×
                </button>
                <p className="note-text">{note.context}</p>
              </li>
            ))}
          </ul>
        </div>
      ))}
      <form
        className="note-form"
        aria-label="New note"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <input
          aria-label="Note action"
          placeholder="action"
          required
          value={form.action}
          onChange={(event) => setForm({ ...form, action: event.target.value })}
        />
        <input
          aria-label="Note name"
          placeholder="name"
          required
          value={form.name}
          onChange={(event) => setForm({ ...form, name: event.target.value })}
        />
        <textarea
          aria-label="Note text"
          placeholder="text"
          rows={2}
          value={form.context}
          onChange={(event) => setForm({ ...form, context: event.target.value })}
        />
        <button type="submit">Add note</button>
      </form>
    </section>
  );
}

export function Inspector({ conversation }: { conversation: ConversationDto }) {
  const trpc = useTRPC();
  const actions = useConversationActions();
  const contexts = useQuery(trpc.context.list.queryOptions({ sessionId: conversation.id, limit: 100 }, LIVE));
  return (
    <div className="inspector-body" data-inspector-conversation-id={conversation.id}>
      <dl>
        <dt>Conversation</dt>
        <dd className="mono">{conversation.id}</dd>
        <dt>Created</dt>
        <dd>{formatDateTime(new Date(conversation.createdAt))}</dd>
        <dt>Last activity</dt>
        <dd>{formatDateTime(new Date(conversation.lastMessageAt ?? conversation.createdAt))}</dd>
        <dt>Tags</dt>
        <dd>
          <TagEditor conversation={conversation} onChange={(tags) => void actions.update(conversation, { tags })} />
        </dd>
      </dl>
      <section className="inspector-section" aria-label="Contexts">
        <h3>Contexts</h3>
        {contexts.isSuccess && contexts.data.items.length === 0 ? (
          <p className="muted small">No contexts: an agent saves them with context.save.</p>
        ) : null}
        <ul className="context-list">
          {contexts.data?.items.map((context) => (
            <ContextRow key={context.id} context={context} />
          ))}
        </ul>
      </section>
      <NotesSection sessionId={conversation.id} />
    </div>
  );
}
