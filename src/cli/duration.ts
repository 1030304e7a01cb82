import { hour, millisecond, minute, second } from '../core/clock.js';
import { UsageError } from './command.js';

const UNITS: Readonly<Record<string, number>> = { ms: millisecond, s: second, m: minute, h: hour };

/**
 * A duration as written on the command line: a number with a unit (`500ms`, `90s`, `10m`, `1.5h`), or a
 * bare number of seconds. Returns milliseconds; anything else is a UsageError naming the option.
 */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const unit = m?.[2] ?? 's';
  const ms = m === null ? Number.NaN : Number(m[1]) * (UNITS[unit] ?? second);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new UsageError(`--${option} ${JSON.stringify(text)}: want a duration such as 90s, 10m or 1h`);
  }
  return ms;
}

/** A duration for people: `90 s`, `10 min`, `1.5 h`. */
export function formatDuration(ms: number): string {
  if (ms >= hour && ms % (hour / 10) === 0) return `${ms / hour} h`;
  if (ms >= minute && ms % (minute / 10) === 0) return `${ms / minute} min`;
  if (ms >= second) return `${Math.round((ms / second) * 10) / 10} s`;
  return `${ms} ms`;
}
