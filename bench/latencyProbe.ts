/**
 * Times one URL over and over from a process of its own (S11): what an admin's page would see, not disturbed by
 * the bench's own download clients. Started with `fork` and the URL as argument; on "stop" it sends the
 * latencies (ms) and exits.
 */
const url = process.argv[2] ?? "";
const times: number[] = [];
let running = true;

process.on("message", (message) => {
  if (message === "stop") running = false;
});

async function main(): Promise<void> {
  process.send?.("ready");
  while (running) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.send?.({ times }, () => process.exit(0));
}

void main();
