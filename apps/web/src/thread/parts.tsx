import type { MessagePart } from '@threadstore/shared';
import { JsonTree } from './JsonTree.tsx';
import { safeUrl } from './safe-url.ts';
import { MarkdownText } from './text.tsx';

type Loose = Record<string, unknown>;
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

const TOOL_STATE_LABELS: Record<string, string> = {
  'input-streaming': 'receiving input',
  'input-available': 'running',
  'approval-requested': 'awaiting approval',
  'approval-responded': 'approval answered',
  'output-available': 'done',
  'output-error': 'error',
  'output-denied': 'denied',
};

export const toolNameOfPart = (part: Loose): string =>
  str(part.toolName) || (str(part.type)?.startsWith('tool-') ? (str(part.type) as string).slice(5) : 'tool');

function ToolCard({ part }: { part: Loose }) {
  const state = str(part.state) ?? 'unknown';
  const approval = part.approval as Loose | undefined;
  const failed = state === 'output-error' || state === 'output-denied';
  return (
    <details className={`tool-card state-${state}`} open={failed || state === 'approval-requested'}>
      <summary>
        <span className="tool-icon" aria-hidden="true">
          ⚙
        </span>
        <span className="tool-name">{str(part.title) ?? toolNameOfPart(part)}</span>
        <span className={`badge badge-${state}`} data-state={state}>
          {TOOL_STATE_LABELS[state] ?? state}
        </span>
        {part.preliminary === true ? <span className="badge">preliminary</span> : null}
        {part.providerExecuted === true ? <span className="badge">provider</span> : null}
      </summary>
      <div className="tool-body">
        {part.input !== undefined || part.rawInput !== undefined ? (
          <section>
            <h4>Input</h4>
            <JsonTree value={part.input ?? part.rawInput} label="Tool input" />
          </section>
        ) : null}
        {approval ? (
          <section>
            <h4>Approval</h4>
            <JsonTree value={approval} label="Approval" />
          </section>
        ) : null}
        {part.output !== undefined ? (
          <section>
            <h4>Output</h4>
            <JsonTree value={part.output} label="Tool output" />
          </section>
        ) : null}
        {str(part.errorText) ? <p className="tool-error">{str(part.errorText)}</p> : null}
        <p className="tool-call-id">call {str(part.toolCallId)}</p>
      </div>
    </details>
  );
}

function FileView({ part, label }: { part: Loose; label: string }) {
  const mediaType = str(part.mediaType) ?? 'application/octet-stream';
  const name = str(part.filename) ?? str(part.title) ?? mediaType;
  const image = mediaType.startsWith('image/') ? safeUrl(part.url, 'image') : null;
  const link = safeUrl(part.url, 'link');
  return (
    <figure className="file-part">
      {image ? (
        <a href={image} target="_blank" rel="noopener noreferrer">
          <img src={image} alt={name} loading="lazy" />
        </a>
      ) : null}
      <figcaption>
        <span className="badge">{label}</span>{' '}
        {link ? (
          <a href={link} download={str(part.filename) ?? true} target="_blank" rel="noopener noreferrer">
            {name}
          </a>
        ) : (
          name
        )}{' '}
        <span className="muted">{mediaType}</span>
      </figcaption>
    </figure>
  );
}

/** One part of a message, whatever its type: AI SDK 7 parts, the first seed's tool-result, or unknown JSON. */
export function PartView({ part }: { part: MessagePart }) {
  const loose = part as Loose;
  const type = part.type;
  if (type === 'text') {
    return (
      <div className="part-text">
        <MarkdownText text={str(loose.text) ?? ''} />
        {loose.state === 'streaming' ? <span className="typing" role="img" aria-label="still writing" /> : null}
      </div>
    );
  }
  if (type === 'reasoning') {
    return (
      <details className="reasoning">
        <summary>Reasoning{loose.state === 'streaming' ? ' …' : ''}</summary>
        <div className="reasoning-text">{str(loose.text)}</div>
      </details>
    );
  }
  if (
    type === 'dynamic-tool' ||
    (type.startsWith('tool-') && type !== 'tool-result') ||
    (type === 'tool-result' && 'state' in loose)
  ) {
    return <ToolCard part={loose} />;
  }
  if (type === 'tool-result') {
    return (
      <details className="tool-card state-output-available" open>
        <summary>
          <span className="tool-name">{str(loose.toolName) ?? 'tool'} result</span>
          <span className="badge badge-output-available">result</span>
        </summary>
        <div className="tool-body">
          <JsonTree value={loose.output} label="Tool output" />
          <p className="tool-call-id">call {str(loose.toolCallId)}</p>
        </div>
      </details>
    );
  }
  if (type === 'source-url') {
    const href = safeUrl(loose.url, 'link');
    return (
      <div className="source">
        <span className="badge">source</span>{' '}
        {href ? (
          <a href={href} target="_blank" rel="noopener noreferrer">
            {str(loose.title) ?? href}
          </a>
        ) : (
          (str(loose.title) ?? str(loose.url))
        )}
      </div>
    );
  }
  if (type === 'source-document') {
    return (
      <div className="source">
        <span className="badge">document</span> {str(loose.title)}{' '}
        <span className="muted">
          {str(loose.filename) ?? ''} {str(loose.mediaType)}
        </span>
      </div>
    );
  }
  if (type === 'file') return <FileView part={loose} label="file" />;
  if (type === 'reasoning-file') return <FileView part={loose} label="reasoning file" />;
  if (type === 'step-start') return <hr className="step-start" aria-label="step" />;
  if (type === 'steering-message' && typeof loose.text === 'string') {
    return (
      <div className="steering">
        <span className="badge">steering</span> {loose.text}
      </div>
    );
  }
  if (type.startsWith('data-')) {
    return (
      <div className="data-part">
        <span className="badge">{type.slice(5)}</span>
        <JsonTree value={loose.data} label={`Data ${type.slice(5)}`} />
      </div>
    );
  }
  const kind = type === 'custom' ? str(loose.kind) : undefined;
  return (
    <div className="unknown-part">
      <span className="badge">{kind ? `custom: ${kind}` : type}</span>
      <JsonTree value={part} label={`Part ${type}`} />
    </div>
  );
}
