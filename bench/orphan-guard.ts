/**
 * Preload for every server the benchmark starts (`node --import ./bench/orphan-guard.ts …`): if the
 * harness dies without cleaning up (SIGKILL, crash), the server notices within a second that its
 * parent changed and stops itself (SIGTERM: a graceful close; exit after 5 s at the latest), so no
 * server is ever left running. One unref'd timer; nothing else in the process is touched.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    setTimeout(() => process.exit(1), 5000).unref();
    process.kill(process.pid, 'SIGTERM');
  }
}, 1000).unref();
