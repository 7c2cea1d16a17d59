// Times in configuration, as ASP.NET writes them: seconds, or a TimeSpan.

/** The forms parseTime reads, for error messages. */
export const TIME_FORM =
  `seconds ("130", "2.5", at most 3 decimals) or hh:mm:ss[.fff] or d.hh:mm:ss[.fff] ("00:02:10", "00:00:02.500", "1.00:00:00")`;

/**
 * A time in milliseconds from seconds ("2.5") or a TimeSpan ("00:02:10",
 * "1.00:00:00.5"); NaN when malformed or finer than a millisecond. A bare
 * number is seconds, where .NET's TimeSpan.Parse would read days: configs
 * write "130", and nobody means 130 days.
 */
export function parseTime(text: string): number {
  const seconds = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (seconds !== null) return millis(Number(seconds[1]) * 1000, seconds[2]);
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/
    .exec(text);
  if (span === null) return Number.NaN;
  const [, days = "0", hours, minutes, secs, fraction] = span;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(secs) > 59) {
    return Number.NaN;
  }
  const whole = ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) *
      60 + Number(secs);
  return millis(whole * 1000, fraction);
}

// Adds a decimal fraction of a second as whole milliseconds, from its digits
// (2.3 * 1000 is not 2300 in floating point).
function millis(whole: number, fraction = ""): number {
  if (/[1-9]/.test(fraction.slice(3))) return Number.NaN;
  return whole + Number(fraction.slice(0, 3).padEnd(3, "0"));
}
