/** A small Prometheus registry: request counts and latency per route and status, in the text exposition format. */
export class Metrics {
  private readonly requests = new Map<string, { count: number; seconds: number }>();
  private readonly startedAt = Date.now();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${method}",route="${route.replaceAll('"', '\\"')}",status="${status}"`;
    const entry = this.requests.get(key) ?? { count: 0, seconds: 0 };
    entry.count += 1;
    entry.seconds += seconds;
    this.requests.set(key, entry);
  }

  render(gauges: Record<string, number>): string {
    const lines = [
      '# HELP threadstore_http_requests_total HTTP requests served, by method, route and status.',
      '# TYPE threadstore_http_requests_total counter',
      ...[...this.requests].map(([labels, entry]) => `threadstore_http_requests_total{${labels}} ${entry.count}`),
      '# HELP threadstore_http_request_duration_seconds_sum Time spent serving HTTP requests.',
      '# TYPE threadstore_http_request_duration_seconds_sum counter',
      ...[...this.requests].map(
        ([labels, entry]) => `threadstore_http_request_duration_seconds_sum{${labels}} ${entry.seconds.toFixed(6)}`,
      ),
      '# HELP threadstore_uptime_seconds Seconds since the server started.',
      '# TYPE threadstore_uptime_seconds gauge',
      `threadstore_uptime_seconds ${((Date.now() - this.startedAt) / 1000).toFixed(0)}`,
    ];
    for (const [name, value] of Object.entries(gauges)) {
      lines.push(`# TYPE ${name} gauge`, `${name} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
