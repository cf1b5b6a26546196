/** Polls a condition the test cannot await directly (a log line, a restarted process), failing after `timeoutMs`. */
export async function until(check: () => boolean, description: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Not reached within ${timeoutMs} ms: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
