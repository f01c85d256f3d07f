// Entry point of dist/server.js: the language server over stdio (or the transport named on the command line).
import { startServer } from './server';

startServer();
