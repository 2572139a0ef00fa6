import { useState } from 'react';
import {
  addAt,
  type Json,
  type JsonObject,
  type JsonPath,
  parseDocument,
  parseScalar,
  removeAt,
  scalarText,
  setAt,
} from './json-edit.ts';

export interface JsonEditorProps {
  value: JsonObject;
  onChange(value: JsonObject): void;
  /** Raw mode holds text that is not a valid document: saving waits for it. */
  onValidity?(error: string | null): void;
  label: string;
}

const kindOf = (value: Json) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

function ScalarField({
  value,
  path,
  onSet,
  label,
}: {
  value: Json;
  path: JsonPath;
  onSet(value: Json): void;
  label: string;
}) {
  const [text, setText] = useState(() => scalarText(value));
  const commit = () => {
    const next = parseScalar(text);
    if (JSON.stringify(next) !== JSON.stringify(value)) onSet(next);
  };
  return (
    <input
      className={`json-input json-${kindOf(value)}`}
      aria-label={`Value of ${label}`}
      data-path={JSON.stringify(path)}
      value={text}
      onChange={(event) => setText(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === 'Enter') commit();
      }}
    />
  );
}

function AddEntry({
  isArray,
  onAdd,
  label,
}: {
  isArray: boolean;
  onAdd(key: string, value: Json): string | null;
  label: string;
}) {
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!open) {
    return (
      <button
        type="button"
        className="json-add link-button"
        onClick={() => setOpen(true)}
        aria-label={`Add to ${label}`}
      >
        + {isArray ? 'item' : 'key'}
      </button>
    );
  }
  const submit = () => {
    const problem = onAdd(key.trim(), parseScalar(value));
    setError(problem);
    if (!problem) {
      setKey('');
      setValue('');
      setOpen(false);
    }
  };
  return (
    <div className="json-add-form">
      {isArray ? null : (
        <input aria-label="New key" placeholder="key" value={key} onChange={(event) => setKey(event.target.value)} />
      )}
      <input
        aria-label="New value"
        placeholder="value (text, 42, true, null, {}, [])"
        value={value}
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') submit();
          if (event.key === 'Escape') setOpen(false);
        }}
      />
      <button type="button" onClick={submit}>
        Add
      </button>
      <button type="button" className="link-button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function Node({
  name,
  value,
  path,
  root,
  onChange,
}: {
  name: string;
  value: Json;
  path: JsonPath;
  root: JsonObject;
  onChange(value: JsonObject): void;
}) {
  const [open, setOpen] = useState(path.length < 3);
  const label = path.length === 0 ? name : path.join('.');
  const remove =
    path.length === 0 ? null : (
      <button
        type="button"
        className="json-remove"
        aria-label={`Remove ${label}`}
        title="Remove"
        onClick={() => onChange(removeAt(root, path) as JsonObject)}
      >
        ×
      </button>
    );
  if (value === null || typeof value !== 'object') {
    return (
      <li className="json-row">
        <span className="json-key">{name}</span>
        <ScalarField
          key={scalarText(value)}
          value={value}
          path={path}
          label={label}
          onSet={(next) => onChange(setAt(root, path, next) as JsonObject)}
        />
        {remove}
      </li>
    );
  }
  const entries: [string, Json][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  return (
    <li className="json-row json-branch">
      <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="json-key">{name}</span>
        <span className="muted">{Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}</span>
      </button>
      {remove}
      {open ? (
        <ul className="json-children">
          {entries.map(([key, child]) => (
            <Node
              key={key}
              name={key}
              value={child}
              path={[...path, Array.isArray(value) ? Number(key) : key]}
              root={root}
              onChange={onChange}
            />
          ))}
          <li>
            <AddEntry
              isArray={Array.isArray(value)}
              label={label}
              onAdd={(key, next) => {
                try {
                  onChange(addAt(root, path, key, next) as JsonObject);
                  return null;
                } catch (error) {
                  return (error as Error).message;
                }
              }}
            />
          </li>
        </ul>
      ) : null}
    </li>
  );
}

/** A context's document as an editable tree, or as raw JSON checked as it is typed. */
export function JsonEditor({ value, onChange, onValidity, label }: JsonEditorProps) {
  const [raw, setRaw] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const setValidity = (next: string | null) => {
    setError(next);
    onValidity?.(next);
  };
  return (
    <div className="json-editor">
      <fieldset className="json-modes" aria-label="Editor mode">
        <button type="button" aria-pressed={raw === null} disabled={error !== null} onClick={() => setRaw(null)}>
          Tree
        </button>
        <button type="button" aria-pressed={raw !== null} onClick={() => setRaw(JSON.stringify(value, null, 2))}>
          Raw JSON
        </button>
      </fieldset>
      {raw === null ? (
        <ul className="json-tree-edit">
          <Node name={label} value={value} path={[]} root={value} onChange={onChange} />
        </ul>
      ) : (
        <>
          <textarea
            className="json-raw"
            aria-label={`Raw JSON of ${label}`}
            aria-invalid={error !== null}
            spellCheck={false}
            value={raw}
            rows={Math.min(24, Math.max(6, raw.split('\n').length + 1))}
            onChange={(event) => {
              setRaw(event.target.value);
              const parsed = parseDocument(event.target.value);
              setValidity(parsed.ok ? null : parsed.error);
              if (parsed.ok) onChange(parsed.value);
            }}
          />
          {error ? (
            <p className="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </>
      )}
    </div>
  );
}
