/**
 * A strict reader of the Prometheus text format (0.0.4): every line is a `# HELP`, a `# TYPE`
 * naming a known type, or `name{labels} value`, and every sample's family was typed first —
 * anything else throws. Returns samples as `name{labels}` → value.
 *
 * @example parsePrometheus(text).get('beckon_queue_depth{lane="jobs"}')
 */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Map<string, string>();
  const sample =
    /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)( \d+)?$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type =
      /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      typed.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const match = sample.exec(line);
    if (!match) throw new Error(`not Prometheus text: ${line}`);
    const [, name, labels = '', value] = match;
    const family = name!.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!typed.has(name!) && !typed.has(family)) throw new Error(`sample before its TYPE: ${line}`);
    // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case.
    const word = value!.toLowerCase();
    const number =
      word === '+inf' || word === 'inf' ? Infinity : word === '-inf' ? -Infinity : Number(value);
    if (Number.isNaN(number) && word !== 'nan') throw new Error(`bad value: ${line}`);
    samples.set(`${name}${labels.replace(/,\}$/, '}')}`, number);
  }
  return samples;
}
