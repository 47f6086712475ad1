// A Node HTTP app on $PORT (default 8000), unmodified PM2 style.
const http = require('http');
const port = Number(process.env.PORT || 8000);
http.createServer((req, res) => {
  res.end(`hello from node (pid ${process.pid})\n`);
}).listen(port, '127.0.0.1', () => console.log(`node: listening on 127.0.0.1:${port}`));
process.on('SIGINT', () => process.exit(0));
