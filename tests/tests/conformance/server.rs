//! A running app: its address, and how to stop it.

use std::net::SocketAddr;
use std::thread::JoinHandle;

/// An app serving on a loopback socket in its own thread; dropping it stops
/// the server and waits for the thread.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Option<Box<dyn FnOnce() + Send>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub(crate) fn new(
        addr: SocketAddr,
        stop: Box<dyn FnOnce() + Send>,
        thread: JoinHandle<()>,
    ) -> Self {
        Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The socket address the app listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        // A failing check may have left a connection open, which a graceful
        // shutdown would wait for: only a passing check waits for the
        // server, and a server that panicked fails it.
        if std::thread::panicking() {
            return;
        }
        if let Some(thread) = self.thread.take() {
            assert!(thread.join().is_ok(), "the server thread panicked");
        }
    }
}
