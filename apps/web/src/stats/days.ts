/** Dates as `<input type="date">` has them (YYYY-MM-DD), read as calendar days in the browser's time zone. */
const pad = (value: number) => String(value).padStart(2, '0');
export const dayString = (date: Date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

/** The instant a local calendar day starts. */
export function startOfLocalDay(day: string): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date);
}

/** Every day from `from` to `to` inclusive, with the count the server gave or 0: a chart shows quiet days too. */
export function fillDays(from: string, to: string, counts: readonly { day: string; count: number }[]) {
  const byDay = new Map(counts.map((entry) => [entry.day.slice(0, 10), entry.count]));
  const days: { day: string; count: number }[] = [];
  for (
    let at = startOfLocalDay(from);
    dayString(at) <= to;
    at = new Date(at.getFullYear(), at.getMonth(), at.getDate() + 1)
  ) {
    days.push({ day: dayString(at), count: byDay.get(dayString(at)) ?? 0 });
  }
  return days;
}
