import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load.ts';

describe('config', () => {
  it('has a default for everything', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.processEveryNFrames).toBe(1);
    expect(config.maxFrames).toBe(90);
    expect(config.iceServers).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("honours PORT, HOST and the seed's names", () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      WORKOUT_MODEL_PATH: '/models/x',
      process_every_n_frames: '2',
      MAX_FRAMES: '60',
    });
    expect(config).toMatchObject({ port: 9000, host: '127.0.0.1', workoutModelPath: '/models/x', processEveryNFrames: 2, maxFrames: 60 });
  });

  it('reads booleans and JSON honestly', () => {
    const config = loadConfig({ POSE_SMOOTHING: 'false', ICE_SERVERS: '[{"urls":"turn:turn.example:3478","username":"u","credential":"p"}]' });
    expect(config.poseSmoothing).toBe(false);
    expect(config.iceServers[0]?.urls).toBe('turn:turn.example:3478');
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', POSE_MODEL: 'giant', MAX_FRAMES: '5', POSE_SMOOTHING: 'maybe', ICE_SERVERS: '{' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'POSE_MODEL', 'MAX_FRAMES', 'POSE_SMOOTHING', 'ICE_SERVERS']) expect(problems).toContain(name);
  });

  it('reads a YAML config file, env wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'port: 7000\nposeModel: full\nrateLimitBurst: 10\n');
    const config = loadConfig({ CONFIG_FILE: file, PORT: '7001' });
    expect(config).toMatchObject({ port: 7001, poseModel: 'full', rateLimitBurst: 10 });
  });

  it('rejects unknown keys in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ CONFIG_FILE: file })).toThrow(/prot/);
  });
});
