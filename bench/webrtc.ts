import { serverMessageSchema, type WorkoutPayload } from '../signaling/index.ts';
import { connectIo, type IoClient } from '../test/helpers/clients.ts';
import { RtpSender } from '../test/helpers/rtp-sender.ts';

export interface StreamSample {
  workouts: WorkoutPayload[];
  /** performance.now() of each workout's arrival at the client. */
  times: number[];
}

/** One browser stand-in streaming a clip over WebRTC, collecting the results of its data channel. */
export class BenchStream {
  readonly sample: StreamSample = { workouts: [], times: [] };
  private io: IoClient | undefined;
  private sender: RtpSender | undefined;

  constructor(
    private readonly url: string,
    private readonly options: { fps: number; clip: string | undefined; startSeconds: number },
  ) {}

  async start(): Promise<void> {
    this.io = await connectIo(this.url);
    const sender = new RtpSender({ codec: 'vp8', clip: this.options.clip, fps: this.options.fps, gop: 30, startSeconds: this.options.startSeconds, loopSeconds: 6 });
    this.sender = sender;
    sender.channel.onMessage.subscribe((data) => {
      const msg = serverMessageSchema.safeParse(JSON.parse(typeof data === 'string' ? data : data.toString()));
      if (msg.success && msg.data.type === 'workout') {
        this.sample.workouts.push(msg.data.payload);
        this.sample.times.push(performance.now());
      }
    });
    const answer = (await this.io.socket.timeout(20_000).emitWithAck('offer', await sender.createOffer())) as
      | { type: 'answer'; sdp: string }
      | { error: { code: string } };
    if ('error' in answer) throw new Error(`offer refused: ${answer.error.code}`);
    await sender.acceptAnswer(answer);
    await sender.connected(20_000);
    await sender.startVideo();
  }

  get bytesPerFrame(): number {
    return this.sender && this.sender.framesSent > 0 ? this.sender.bytesSent / this.sender.framesSent : NaN;
  }

  /** Results between two instants. */
  window(fromMs: number, toMs: number): WorkoutPayload[] {
    return this.sample.workouts.filter((_, i) => this.sample.times[i]! >= fromMs && this.sample.times[i]! < toMs);
  }

  async stop(): Promise<void> {
    this.io?.socket.emit('hangup');
    await this.sender?.close();
    this.io?.socket.disconnect();
  }
}
