package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// echoServer echoes every connection until it closes.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes msg and reads it back.
func roundTrip(c net.Conn, msg []byte) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return errors.New("echo differs")
	}
	return nil
}

func newProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestForwards(t *testing.T) {
	p := newProxy(t)
	c := dial(t, p)
	msg := bytes.Repeat([]byte("relm"), 50_000)
	if err := roundTrip(c, msg); err != nil {
		t.Fatal(err)
	}
	if p.Bytes() != 2*int64(len(msg)) {
		t.Errorf("Bytes() = %d, want %d", p.Bytes(), 2*len(msg))
	}
}

func TestCutAfter(t *testing.T) {
	p := newProxy(t)
	c := dial(t, p)
	if err := roundTrip(c, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	p.CutAfter(1000)
	msg := bytes.Repeat([]byte("x"), 4000)
	if err := roundTrip(c, msg); err == nil {
		t.Fatal("a 4000-byte echo passed a 1000-byte budget")
	}
	if p.Cuts() != 1 {
		t.Errorf("Cuts() = %d, want 1", p.Cuts())
	}
	// New connections get the same budget.
	c2 := dial(t, p)
	if err := roundTrip(c2, msg); err == nil {
		t.Fatal("a new connection ignored the budget")
	}
	p.Heal()
	c3 := dial(t, p)
	if err := roundTrip(c3, msg); err != nil {
		t.Fatalf("after Heal: %v", err)
	}
}

func TestCutAll(t *testing.T) {
	p := newProxy(t)
	cs := []net.Conn{dial(t, p), dial(t, p), dial(t, p)}
	for _, c := range cs {
		if err := roundTrip(c, []byte("ping")); err != nil {
			t.Fatal(err)
		}
	}
	p.CutAll()
	for i, c := range cs {
		if err := roundTrip(c, []byte("ping")); err == nil {
			t.Errorf("connection %d survived CutAll", i)
		}
	}
	if err := roundTrip(dial(t, p), []byte("ping")); err != nil {
		t.Errorf("a new connection after CutAll: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Open() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := p.Open(); n != 1 {
		t.Errorf("Open() = %d after CutAll and one new connection, want 1", n)
	}
}

func TestRefuse(t *testing.T) {
	p := newProxy(t)
	p.Refuse(true)
	if err := roundTrip(dial(t, p), []byte("ping")); err == nil {
		t.Fatal("a refused connection echoed")
	}
	p.Heal()
	if err := roundTrip(dial(t, p), []byte("ping")); err != nil {
		t.Fatal(err)
	}
}

func TestHalfClose(t *testing.T) {
	p := newProxy(t)
	c := dial(t, p)
	if _, err := c.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last words" {
		t.Fatalf("after half-close read %q, %v", got, err)
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, up := range []string{"10.0.0.1:5432", "example.com:5432", "nonsense"} {
		if p, err := New(up); err == nil {
			p.Close()
			t.Errorf("New(%q) accepted a non-loopback upstream", up)
		}
	}
}

func TestCloseEndsEverything(t *testing.T) {
	p, err := New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p)
	if err := roundTrip(c, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := roundTrip(c, []byte("ping")); err == nil {
		t.Error("a connection survived Close")
	}
}
