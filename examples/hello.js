// A Node HTTP app on $HOST:$PORT (127.0.0.1:8000), unmodified PM2 style:
// in cluster mode every instance calls listen() on the same port.
const http = require('http');
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 8000);
const instance = process.env.NODE_APP_INSTANCE || '0';
http.createServer((req, res) => {
  res.end(`hello from node (pid ${process.pid}, instance ${instance})\n`);
}).listen(port, host, () => console.log(`node: listening on ${host}:${port} (instance ${instance})`));
// pm2 stops an app with SIGINT (kill_signal); finish and leave.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
