/**
 * Zoom and move a chart's time range by keys (the keyboard's way to do what a drag does): pure, so
 * the rules are tested without a browser.
 */

/** The shortest range keys zoom in to (a few raw samples) and the longest they zoom out to (the history API's longest span). */
const MIN_SPAN_SECONDS = 60;
const MAX_SPAN_SECONDS = 31 * 86_400;

/**
 * The range (Unix seconds) one key makes of `[min, max]`, or undefined for another key: `+`/`=` halve
 * it around its middle, `-` doubles it, the arrows move it a quarter; never past `now`, never shorter
 * than a minute nor longer than the history API's span.
 */
export function keyZoom(key: string, min: number, max: number, now: number): [number, number] | undefined {
  const span = max - min;
  const middle = (min + max) / 2;
  let next: [number, number];
  switch (key) {
    case '+':
    case '=': {
      const half = Math.max(MIN_SPAN_SECONDS, span / 2) / 2;
      next = [middle - half, middle + half];
      break;
    }
    case '-':
    case '_': {
      const half = Math.min(MAX_SPAN_SECONDS, span * 2) / 2;
      next = [middle - half, middle + half];
      break;
    }
    case 'ArrowLeft':
      next = [min - span / 4, max - span / 4];
      break;
    case 'ArrowRight':
      next = [min + span / 4, max + span / 4];
      break;
    default:
      return undefined;
  }
  const past = next[1] - now;
  return past > 0 ? [Math.floor(next[0] - past), Math.ceil(now)] : [Math.floor(next[0]), Math.ceil(next[1])];
}
