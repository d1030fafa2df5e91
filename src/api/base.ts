/** Where the HTTP API is served: a module of its own, so that naming it does not load the API (the command line). */
export const API_BASE = '/api/v1';
