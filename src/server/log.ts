/**
 * Logging in Redis's format and levels:
 *   <pid>:<role> <day> <mon> <year> <hh:mm:ss.mmm> <level char> <message>
 * with '.' debug, '-' verbose, '*' notice, '#' warning.
 */
import { appendFileSync } from 'node:fs';

export const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning', 'nothing'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const LEVEL_CHAR = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export class Logger {
  level = 2;
  /** '' for stdout; a path appends to that file. */
  file = '';
  role = 'M';
  /** When false nothing is written (embedded servers default to quiet). */
  enabled = true;
  /** Optional sink (tests). */
  sink: ((line: string) => void) | null = null;

  setLevel(name: string): void {
    const i = LOG_LEVELS.indexOf(name as LogLevel);
    if (i >= 0) this.level = i;
  }

  log(level: number, msg: string): void {
    if (level < this.level || !this.enabled) return;
    const d = new Date();
    const line =
      `${process.pid}:${this.role} ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)} ` +
      `${LEVEL_CHAR[level]} ${msg}\n`;
    if (this.sink !== null) {
      this.sink(line);
      return;
    }
    if (this.file === '') process.stdout.write(line);
    else {
      try {
        appendFileSync(this.file, line);
      } catch {
        // A log file that cannot be written must not take the server down.
      }
    }
  }

  debug(msg: string): void {
    this.log(0, msg);
  }
  verbose(msg: string): void {
    this.log(1, msg);
  }
  notice(msg: string): void {
    this.log(2, msg);
  }
  warning(msg: string): void {
    this.log(3, msg);
  }
}
