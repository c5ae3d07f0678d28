/* Empty: mediasoup link_whole()s this stand-in; the real library comes from the system dependency. */
