/**
 * Cuts `text` to at most `max` UTF-16 code units, the last one `…` when something was cut. A
 * surrogate pair is never split: a lone surrogate makes PostgreSQL refuse the JSON the store
 * writes ("Unicode low surrogate must follow a high surrogate"), and the whole batch with it.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end -= 1;
  }
  return `${text.slice(0, end)}…`;
}
