/** The camera: 640×360 is what the server analyses (WebRTC is letterboxed into it), so ask for about that. */
export async function openCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia)
    throw new Error('this browser cannot open a camera (a secure origin is needed: https or localhost)');
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: {
      width: { ideal: 640 },
      height: { ideal: 360 },
      frameRate: { ideal: 30, max: 30 },
      facingMode: 'user',
    },
  });
  video.srcObject = stream;
  await video.play().catch(() => undefined);
  if (video.videoWidth === 0) {
    await new Promise<void>((resolve) =>
      video.addEventListener('loadedmetadata', () => resolve(), { once: true }),
    );
  }
  return stream;
}

export function closeCamera(stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
