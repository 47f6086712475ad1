// The cluster figure's app: a plain HTTP server on $PORT that answers
// "ok". It drains on SIGINT (PM2's stop signal) and SIGTERM: no new
// connections, in-flight requests finish, then it exits.
'use strict';
const http = require('http');

const server = http.createServer((req, res) => {
	res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 3 });
	res.end('ok\n');
});
server.listen(Number(process.env.PORT || 18510), '127.0.0.1', () => {
	if (process.send) process.send('ready');
});

function drain() {
	server.close(() => process.exit(0));
	// idle keep-alive connections would hold close() open: end them
	if (server.closeIdleConnections) server.closeIdleConnections();
	setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGINT', drain);
process.on('SIGTERM', drain);
