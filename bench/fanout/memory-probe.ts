/**
 * Preloaded into the server process (`node --import tsx --import memory-probe.ts …`): tracks
 * the main thread's peak heap and answers the bench's `memory` message with it and the
 * process's peak RSS (getrusage, so worker threads and native memory count too).
 */
import { getHeapStatistics } from 'node:v8';

let peakHeap = 0;
const heapUsed = () => getHeapStatistics().used_heap_size;

// Every 100 ms: often enough to see the peak of a fan-out that lasts seconds, and cheap.
const timer = setInterval(() => {
  peakHeap = Math.max(peakHeap, heapUsed());
}, 100);
timer.unref();

process.on('message', (message: unknown) => {
  if (message === 'reset-memory') peakHeap = heapUsed();
  if (message === 'memory') {
    process.send?.({
      memory: { peakRssBytes: process.resourceUsage().maxRSS * 1024, peakHeapBytes: peakHeap },
    });
  }
});
// The channel must not keep the server alive on its own.
process.channel?.unref();
