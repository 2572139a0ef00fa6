import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTRPC } from '../trpc.ts';
import { DayChart } from './Chart.tsx';
import { dayString, fillDays, startOfLocalDay } from './days.ts';

const DAY = 24 * 3600 * 1000;
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function Bars({ rows, label }: { rows: { name: string; count: number }[]; label: string }) {
  const most = Math.max(1, ...rows.map((row) => row.count));
  if (rows.length === 0) return <p className="muted small">None in this range.</p>;
  return (
    <table className="bar-table" aria-label={label}>
      <tbody>
        {rows.map((row) => (
          <tr key={row.name}>
            <th scope="row" className="mono">
              {row.name}
            </th>
            <td className="bar-cell">
              <span className="bar" style={{ width: `${(100 * row.count) / most}%` }} />
            </td>
            <td className="num">{row.count.toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Stats() {
  const trpc = useTRPC();
  const [range, setRange] = useState(() => ({
    from: dayString(new Date(Date.now() - 29 * DAY)),
    to: dayString(new Date()),
  }));
  const valid = range.from <= range.to;
  const input = useMemo(() => {
    const end = startOfLocalDay(range.to);
    return {
      from: startOfLocalDay(range.from).toISOString(),
      // The end day is included: up to the start of the day after it.
      to: new Date(end.getFullYear(), end.getMonth(), end.getDate() + 1).toISOString(),
      timeZone,
    };
  }, [range]);
  const stats = useQuery(trpc.conversation.stats.queryOptions(input, { enabled: valid }));
  const days = useMemo(
    () => (stats.data && valid ? fillDays(range.from, range.to, stats.data.perDay) : []),
    [stats.data, range, valid],
  );
  return (
    <section className="page stats-page" aria-label="Statistics">
      <header className="page-header">
        <h2>Statistics</h2>
        <div className="range">
          <label>
            From{' '}
            <input
              type="date"
              value={range.from}
              max={range.to}
              onChange={(event) => setRange({ ...range, from: event.target.value })}
            />
          </label>
          <label>
            To{' '}
            <input
              type="date"
              value={range.to}
              min={range.from}
              onChange={(event) => setRange({ ...range, to: event.target.value })}
            />
          </label>
          <span className="muted small">Days in {timeZone}</span>
        </div>
      </header>
      {!valid ? (
        <p className="field-error" role="alert">
          The range must start before it ends.
        </p>
      ) : null}
      {stats.data ? (
        <>
          <div className="figures">
            <div>
              <strong data-stat="messages">{stats.data.messages.toLocaleString()}</strong> messages
            </div>
            <div>
              <strong data-stat="conversations">{stats.data.conversations.toLocaleString()}</strong> conversations
            </div>
          </div>
          <h3>Messages per day</h3>
          <DayChart days={days} />
          <div className="stats-columns">
            <div>
              <h3>Per role</h3>
              <Bars
                label="Messages per role"
                rows={stats.data.perRole.map((row) => ({ name: row.role, count: row.count }))}
              />
            </div>
            <div>
              <h3>Most used tools</h3>
              <Bars
                label="Most used tools"
                rows={stats.data.perTool.slice(0, 15).map((row) => ({ name: row.tool, count: row.count }))}
              />
            </div>
          </div>
        </>
      ) : stats.isPending && valid ? (
        <p className="muted" role="status">
          Counting…
        </p>
      ) : null}
    </section>
  );
}
