// An unmodified Node HTTP app. In cluster mode every worker's
// server.listen(PORT) lands on the one socket the pm2 daemon holds, so
// `pm2 reload` swaps workers without refusing a connection.
const http = require('http');
const port = Number(process.env.PORT || 8080);
http.createServer((req, res) => {
  res.end(`pid ${process.pid}\n`);
}).listen(port, process.env.HOST); // HOST unset: every interface
