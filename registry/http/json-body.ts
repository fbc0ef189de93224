import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { jsonShapeProblem, type JsonShapeLimits } from './json-shape.js';
import { isPublishRoute } from './routes/packages.js';

/**
 * The shape of JSON any route accepts. A publish body (package document, manifest, a tool's input
 * schema of at most 32 levels; a metadata update's every version) and an MCP message (a tool's
 * arguments) stay far below both. JSON.parse builds 200,000 empty arrays in about 25 ms.
 */
export const JSON_SHAPE: JsonShapeLimits = Object.freeze({ maxDepth: 64, maxItems: 200_000 });

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * express.json with a size limit (413 past it, before reading a body whose Content-Length says so)
 * that refuses, with a 400, a body deeper or wider than JSON_SHAPE before JSON.parse sees it.
 */
export function jsonBody(limit: number, type: string[] | ((req: IncomingMessage) => boolean) = JSON_TYPES) {
  return express.json({ limit, strict: false, type, verify: refuseHostileJson });
}

/**
 * One JSON parser per kind of route: npm's publish (`PUT /@ns/skill`, `PUT /@ns/skill/-rev/…`)
 * carries a tarball, so only it gets `publishLimit`, and only for a signed-in caller (runs after
 * authenticate.ts): nobody else may publish, and parsing 17 MB costs the event loop ~150 ms even
 * when it is one string. Every other request gets `apiLimit`.
 */
export function jsonBodies(limits: { publishLimit: number; apiLimit: number }): RequestHandler {
  const publish = jsonBody(limits.publishLimit);
  const api = jsonBody(limits.apiLimit);
  return (req, res, next) => (req.viewer.user && isPublishRoute(req.method, req.path) ? publish : api)(req, res, next);
}

/** body-parser's `verify`: runs on the raw bytes after they are read and before they are parsed. */
function refuseHostileJson(_req: IncomingMessage, _res: unknown, raw: Buffer, encoding: string): void {
  const problem = jsonShapeProblem(asUtf8(raw, encoding), JSON_SHAPE);
  if (problem !== null) throw clientError(400, problem, 'entity.shape.refused');
}

/** body-parser lets through any `utf-*` charset; the scan reads UTF-8, so the rare others are converted. */
function asUtf8(raw: Buffer, encoding: string): Buffer {
  if (encoding === 'utf-8' || encoding === 'utf8') return raw;
  let text: string;
  try {
    text = new TextDecoder(encoding).decode(raw);
  } catch {
    throw clientError(415, `unsupported charset "${encoding.toUpperCase()}"`, 'charset.unsupported');
  }
  return Buffer.from(text);
}

/** An error body-parser passes on with this status, and errors.ts answers with this message. */
function clientError(status: number, message: string, type: string): Error {
  return Object.assign(new Error(message), { status, expose: true, type });
}
