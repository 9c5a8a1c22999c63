/**
 * Sending: the headers every request carries (the bearer token asked for each time, the host's extra headers), the
 * `Idempotency-Key` that makes a `POST` safe to send again, one retry of a `GET` or `POST` that got no answer, and the
 * answer as JSON or as core's typed error.
 */
import type { CrmError } from '@crmkit/core';
import type { CheckedOptions } from './options.js';
import { errorFromProblem, networkError, protocolError } from './problems.js';
import type { RouteRequest } from './requests.js';

/** Sends requests to the server; what every remote method and the change stream go through. */
export interface Transport {
  /** Sends the request and resolves to its JSON answer (`undefined` for `204` or JSON `null`). */
  send(request: RouteRequest): Promise<unknown>;
  /** Opens `GET /changes`, resuming after `lastEventId` when given; the caller reads (and closes) the body. */
  openChanges(lastEventId: string | undefined, signal: AbortSignal): Promise<Response>;
}

/** How long the one retry of a request without an answer waits, at most (ms). */
const RETRY_PAUSE = 250;

/** A key no other request carries: Web Crypto's random UUID, present in browsers, workers and Node. */
const newKey = (): string => crypto.randomUUID();

/** Why a request failed before an answer: the `fetch` rejected (not a failure the server reported). */
class NoAnswer extends Error {
  readonly error: CrmError;
  constructor(error: CrmError) {
    super(error.message);
    this.error = error;
  }
}

export function createTransport(options: CheckedOptions): Transport {
  /** The headers of every request: the host's, then the bearer token. */
  const baseHeaders = async (): Promise<Headers> => {
    const headers = new Headers(options.headers);
    const token = options.getToken ? await options.getToken() : undefined;
    if (token !== undefined && token !== null && token !== '') {
      if (typeof token !== 'string' || /[\r\n\0]/.test(token)) {
        throw new TypeError('getToken must return a string (or nothing): the bearer token');
      }
      headers.set('Authorization', `Bearer ${token}`);
    }
    return headers;
  };

  const attempt = async (request: RouteRequest, init: RequestInit): Promise<Response> => {
    try {
      return await options.fetch(`${options.base}${request.path}`, init);
    } catch (error) {
      throw new NoAnswer(networkError(error, request.label));
    }
  };

  return {
    async send(request) {
      const headers = await baseHeaders();
      headers.set('Accept', 'application/json, application/problem+json');
      if (request.body !== undefined) headers.set('Content-Type', 'application/json');
      if (request.ifMatch !== undefined) headers.set('If-Match', request.ifMatch);
      // The same key on the retry below: the server answers a POST it has already run with its first answer.
      if (request.verb === 'POST') headers.set('Idempotency-Key', newKey());
      const init: RequestInit = {
        method: request.verb,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      };
      let response: Response;
      try {
        response = await attempt(request, init);
      } catch (error) {
        // GET is safe and POST idempotent by its key: each is sent once more; PATCH, PUT and DELETE are not (a
        // write that did happen would come back as a conflict), so their failure is the caller's to handle.
        if (!(error instanceof NoAnswer)) throw error;
        if (request.verb !== 'GET' && request.verb !== 'POST') throw error.error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE * (0.5 + Math.random() / 2)));
        try {
          response = await attempt(request, init);
        } catch (again) {
          throw again instanceof NoAnswer ? again.error : again;
        }
      }
      return readAnswer(response, request.label);
    },

    async openChanges(lastEventId, signal) {
      const headers = await baseHeaders();
      headers.set('Accept', 'text/event-stream');
      if (lastEventId !== undefined) headers.set('Last-Event-ID', lastEventId);
      return options.fetch(`${options.base}/changes`, { method: 'GET', headers, signal, cache: 'no-store' });
    },
  };
}

/** The answer's JSON, or the typed error it reports. */
async function readAnswer(response: Response, label: string): Promise<unknown> {
  let body: string;
  try {
    body = await response.text();
  } catch (error) {
    throw networkError(error, label);
  }
  if (!response.ok) {
    let problem: unknown;
    try {
      problem = body === '' ? undefined : JSON.parse(body);
    } catch {
      problem = undefined; // not a problem document (a proxy's page): the status decides
    }
    throw errorFromProblem(response.status, problem, label);
  }
  if (response.status === 204 || body === '') return undefined;
  try {
    return JSON.parse(body) ?? undefined;
  } catch (error) {
    throw protocolError(label, error);
  }
}
