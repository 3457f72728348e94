//! `serve` against slow and idle clients: a request stalled in its headers or its body is cut
//! off after the time-out, and connections beyond the cap wait until one closes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use axum::Router;
use diandan::serve::{serve_with, ConnLimits};

const TIMEOUT: Duration = Duration::from_millis(1500);

/// A server with short time-outs on its own thread; stops when the sender is dropped.
fn server(max_connections: usize) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new().route("/", get(|| async { "ok" })).route(
                "/echo",
                post(|body: axum::body::Bytes| async move { body.len().to_string() }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let limits = ConnLimits {
                header_timeout: TIMEOUT,
                body_timeout: TIMEOUT,
                max_connections,
            };
            serve_with(listener, app, limits, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    (addr_rx.recv().unwrap(), stop_tx)
}

/// Reads until the server closes the connection; the time that took and what it sent.
fn until_closed(stream: &mut TcpStream) -> (Duration, String) {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("still open after {:?}: {e}", started.elapsed()),
        }
    }
    (
        started.elapsed(),
        String::from_utf8_lossy(&got).into_owned(),
    )
}

#[test]
fn a_request_stalled_in_its_headers_is_closed_after_the_time_out() {
    let (addr, _stop) = server(8);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: sl")
        .unwrap();
    let (waited, answer) = until_closed(&mut stream);
    assert!(
        waited < TIMEOUT * 3,
        "closed only after {waited:?}, the time-out is {TIMEOUT:?}"
    );
    assert!(!answer.contains("200 OK"), "no answer to half a request");
    // The server still answers others.
    let mut other = TcpStream::connect(addr).unwrap();
    (other.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).unwrap();
    assert!(until_closed(&mut other).1.starts_with("HTTP/1.1 200"));
}

#[test]
fn a_request_stalled_in_its_body_is_closed_after_the_time_out() {
    let (addr, _stop) = server(8);
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789";
    stream.write_all(head.as_bytes()).unwrap();
    let (waited, answer) = until_closed(&mut stream);
    assert!(
        waited < TIMEOUT * 3,
        "closed only after {waited:?}, the time-out is {TIMEOUT:?}"
    );
    assert!(
        !answer.contains("200 OK"),
        "the stalled body was not taken: {answer}"
    );
}

#[test]
fn connections_beyond_the_cap_wait_for_one_to_close() {
    let (addr, _stop) = server(2);
    // Two idle clients hold both places until their headers time out.
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET / HTT").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let mut third = TcpStream::connect(addr).unwrap();
    (third.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).unwrap();
    let (_, answer) = until_closed(&mut third);
    let waited = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        waited >= TIMEOUT / 2,
        "answered after {waited:?}, before an idle connection gave its place up"
    );
    drop(idle);
}
