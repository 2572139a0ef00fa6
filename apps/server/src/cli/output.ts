/** How a command speaks: readable lines (progress on a terminal) or, with --json, one JSON document on stdout. */
export class Output {
  readonly json: boolean;
  private readonly tty: boolean;
  constructor(json: boolean, tty = Boolean(process.stderr.isTTY)) {
    this.json = json;
    this.tty = tty && !json;
  }

  /** A command's result: the JSON document, or the readable text. */
  result(value: unknown, text: string | (() => string)): void {
    process.stdout.write(
      this.json ? `${JSON.stringify(value, null, 2)}\n` : `${typeof text === 'string' ? text : text()}\n`,
    );
  }

  /** A header and aligned columns; the JSON form is the rows themselves. */
  table(rows: Record<string, unknown>[], columns: [key: string, header: string][], empty: string): void {
    if (this.json || rows.length === 0) {
      this.result(rows, empty);
      return;
    }
    const cells = rows.map((row) => columns.map(([key]) => String(row[key] ?? '-')));
    const widths = columns.map(([, header], i) =>
      Math.max(header.length, ...cells.map((line) => (line[i] ?? '').length)),
    );
    const line = (values: string[]) =>
      values
        .map((value, i) => value.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
    this.result(rows, [line(columns.map(([, header]) => header)), ...cells.map(line)].join('\n'));
  }

  /** Notes along the way (stderr, so stdout stays the result); none with --json. */
  note(text: string): void {
    if (!this.json) process.stderr.write(`${text}\n`);
  }

  /**
   * A long run's progress: a bar with rate and ETA on a terminal (when the total is known), a plain line every
   * few seconds otherwise; nothing with --json.
   */
  progress(label: string, total?: number): { update(done: number, records: number): void; end(): void } {
    const started = performance.now();
    let lastPlain = 0;
    let drawn = false;
    const seconds = () => (performance.now() - started) / 1000;
    const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
    return {
      update: (done, records) => {
        if (this.json) return;
        const elapsed = seconds();
        const rate = elapsed > 0 ? Math.round(records / elapsed) : 0;
        if (this.tty) {
          const share = total ? Math.min(1, done / total) : undefined;
          const bar =
            share === undefined
              ? ''
              : `[${'#'.repeat(Math.round(share * 30)).padEnd(30, '-')}] ${(share * 100).toFixed(0).padStart(3)}% `;
          const eta = share && share > 0 ? ` ETA ${clock((elapsed / share) * (1 - share))}` : '';
          process.stderr.write(
            `\r${label} ${bar}${records.toLocaleString('en')} records, ${rate.toLocaleString('en')}/s${eta}   `,
          );
          drawn = true;
        } else if (elapsed - lastPlain >= 5) {
          lastPlain = elapsed;
          process.stderr.write(`${label}: ${records} records, ${rate}/s\n`);
        }
      },
      end: () => {
        if (drawn) process.stderr.write('\n');
      },
    };
  }
}
