/**
 * The backend's answers (albedo's /reflect) for the response-rule stages, and Go's content sniffing that
 * decides whether CRS CI inspects their bodies. The CRS part is skipped without ../shared/crs.
 */
import { describe, expect, it } from 'vitest';
import { C2S, run, S2C } from '../../../protocols/http/helpers.js';
import { FTW_ABSENT, ftwPresent, ftwSuite } from './load.js';
import { requestBytes } from './request.js';
import { albedoResponse, goDetectContentType, responseBytes } from './response.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe("Go's content sniffing (http.DetectContentType), the text part", () => {
  it('finds HTML by a tag signature after white space, case-insensitive, ended by space or >', () => {
    expect(goDetectContentType(b('  \n<html><body>x'))).toBe('text/html; charset=utf-8');
    expect(goDetectContentType(b('<ScRiPt >alert(1)'))).toBe('text/html; charset=utf-8');
    expect(goDetectContentType(b('<!-- c -->'))).toBe('text/html; charset=utf-8');
    expect(goDetectContentType(b('<htmlx>'))).toBe('text/plain; charset=utf-8');
    expect(goDetectContentType(b('<p'))).toBe('text/plain; charset=utf-8');
  });

  it('finds XML, text with a BOM, plain text, and binary by its control bytes', () => {
    expect(goDetectContentType(b('<?xml version="1.0"?><a/>'))).toBe('text/xml; charset=utf-8');
    expect(goDetectContentType(b('\xff\xfea\x00'))).toBe('text/plain; charset=utf-16le');
    expect(goDetectContentType(b('{"a":1}\r\n\t'))).toBe('text/plain; charset=utf-8');
    expect(goDetectContentType(b('a\x00b'))).toBe('application/octet-stream');
  });
});

describe.skipIf(!ftwPresent)(
  `albedo's answers to CRS stages (needs ../shared/crs; ${ftwPresent ? 'present' : FTW_ABSENT})`,
  () => {
    const stage = (key: string) => ftwSuite().stages.find((x) => x.key === key)!;
    const text = (u: Uint8Array) => Buffer.from(u).toString('utf8');

    it('reflects the body of the 87 /reflect stages (text/plain by sniffing when no Content-Type is given)', () => {
      const reflect = ftwSuite().stages.filter((s) => s.input.uri.startsWith('/reflect'));
      expect(reflect.length).toBe(87);
      const r = albedoResponse(stage('951110-1/0'))!;
      expect(r.status).toBe(200);
      expect(r.headers).toEqual([{ name: 'Content-Type', value: 'text/plain; charset=utf-8' }]);
      expect(text(r.body)).toMatch(/^\[match sql-errors\.data\]the used select statements/);
    });

    it('answers 400 to a /reflect body that is not JSON (956110-4), an empty 200 to JSON that is no spec (956100)', () => {
      expect(albedoResponse(stage('956110-4/0'))).toMatchObject({ status: 400 });
      const notSpec = ftwSuite().stages.filter((s) => s.input.data?.includes('fileuploaderror'));
      expect(notSpec.map((s) => albedoResponse(s)!.body.length)).toEqual([0]);
      expect(albedoResponse(stage('942100-1/0'))).toEqual({ status: 200, headers: [], body: new Uint8Array(0) });
    });

    it('parses with its request into one transaction carrying the reflected body', () => {
      const s = stage('951110-1/0');
      const resp = albedoResponse(s)!;
      const out = run([
        { dir: C2S, data: requestBytes(s) },
        { dir: S2C, data: responseBytes(resp) },
      ]);
      expect(out.records.length).toBe(1);
      expect(out.records[0]!.status).toBe(200);
      expect(text(out.records[0]!.responseBody)).toBe(text(resp.body));
      expect(out.anomalies).toEqual([]);
    });
  },
);
