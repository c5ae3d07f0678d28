// The desk's softphone: SIP.js (served from /pages/vendor/sip.js, bundled from
// the pinned npm package) registering over SIP-over-WebSocket (RFC 7118) with
// the agent's digest credentials, answering as a desk phone does. Loaded only
// when the deployment names a WSS endpoint (GET /desk/config.json).

export async function startSoftphone({ wssUrl, sipUser, realm, password, audio, onStatus, onIncoming, onEstablished, onEnded }) {
  const { UserAgent, Registerer, RegistererState, SessionState } = await import('/pages/vendor/sip.js');
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${sipUser}@${realm}`),
    authorizationUsername: sipUser,
    authorizationPassword: password,
    transportOptions: { server: wssUrl },
    sessionDescriptionHandlerFactoryOptions: { constraints: { audio: true, video: false } },
    delegate: {
      onInvite(invitation) {
        // Hang up pressed while the answer is still being set up (accepted, not yet established): neither
        // bye() nor reject() is allowed then, so the BYE goes out once the call is up. Without this the
        // click was lost and the call stayed up with nobody on it.
        let hangUpWhenUp = false;
        invitation.stateChange.addListener((state) => {
          if (state === SessionState.Established) {
            if (hangUpWhenUp) return void invitation.bye();
            attachAudio(invitation, audio);
            onEstablished();
          }
          if (state === SessionState.Terminated) onEnded();
        });
        onIncoming({
          from: invitation.remoteIdentity.uri.user,
          answer: () => invitation.accept(),
          decline: () => invitation.reject(),
          hangUp: () => {
            if (invitation.state === SessionState.Initial) return invitation.reject();
            if (invitation.state === SessionState.Establishing) hangUpWhenUp = true;
            if (invitation.state === SessionState.Established) return invitation.bye();
          },
        });
      },
    },
  });
  const registerer = new Registerer(ua);
  registerer.stateChange.addListener((state) => onStatus(state === RegistererState.Registered ? 'registered' : state.toLowerCase()));
  await ua.start();
  await registerer.register();
  return {
    async stop() {
      await registerer.unregister().catch(() => {});
      await ua.stop();
    },
  };
}

function attachAudio(session, audio) {
  const pc = session.sessionDescriptionHandler?.peerConnection;
  if (!pc) return;
  const stream = new MediaStream();
  for (const receiver of pc.getReceivers()) if (receiver.track) stream.addTrack(receiver.track);
  audio.srcObject = stream;
  audio.play().catch(() => {});
}
