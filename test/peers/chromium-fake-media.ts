/**
 * How the tests start Debian's Chromium as a browser agent: headless, quiet, its
 * microphone a WAV on a loop, media allowed without a prompt or a gesture, the
 * test PKI's certificates accepted, and loopback kept in ICE (the media node's
 * candidates are 127.0.0.1 in tests, which Chromium otherwise leaves out).
 */
export function fakeMediaChromiumArgs(microphoneWav: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--ignore-certificate-errors',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-audio-capture=${microphoneWav}`,
    '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
  ];
}
