// Package faultproxy is a TCP proxy for tests that injects network faults
// between a client and a database server on the loopback interface: it
// forwards connections to the server and can cut them on demand, or cut
// every connection once it has carried a given number of bytes.
//
//	p, err := faultproxy.New("127.0.0.1:5432")
//	defer p.Close()
//	// connect the client to p.Addr() instead of the server
//	p.CutAfter(10_000) // every connection dies after 10 kB more traffic
//	p.CutAll()         // or: kill every connection now
//	p.Heal()           // stop cutting; new connections work again
//
// It listens on 127.0.0.1 only and holds no goroutine once closed.
package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards TCP connections from a loopback port to an upstream server.
type Proxy struct {
	upstream string
	ln       net.Listener

	mu     sync.Mutex
	conns  map[*link]struct{}
	budget int64 // bytes each connection may still carry; < 0: unlimited
	refuse bool
	closed bool

	wg       sync.WaitGroup
	forward  atomic.Int64 // bytes forwarded, both directions, all connections
	cuts     atomic.Int64 // connections cut by a fault
	accepted atomic.Int64
}

// link is one proxied connection: the client side and the upstream side.
type link struct {
	client, server net.Conn
	left           int64 // bytes it may still carry; < 0: unlimited
	once           sync.Once
	ended          atomic.Int32 // directions that ended with EOF
}

// New starts a proxy on 127.0.0.1 (a free port) to upstream, which must be
// a loopback address.
func New(upstream string) (*Proxy, error) {
	host, _, err := net.SplitHostPort(upstream)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: upstream %q: %w", upstream, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("faultproxy: upstream %q is not a loopback address", upstream)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{upstream: upstream, ln: ln, conns: map[*link]struct{}{}, budget: -1}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the proxy's address, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Bytes returns the number of bytes forwarded so far in both directions.
func (p *Proxy) Bytes() int64 { return p.forward.Load() }

// Cuts returns the number of connections cut by a fault (CutAll, CutAfter)
// or by Close.
func (p *Proxy) Cuts() int64 { return p.cuts.Load() }

// Accepted returns the number of connections accepted so far.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Open returns the number of connections currently open through the proxy.
func (p *Proxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// CutAll closes every open connection now, both sides, without a protocol
// goodbye: the client sees a reset or EOF in the middle of whatever it was
// doing, and the server sees its client vanish.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.conns))
	for l := range p.conns {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		p.cut(l, true)
	}
}

// CutAfter arms a fault: every connection, open or new, is cut once it has
// carried n more bytes (both directions counted). n < 0 disarms it.
func (p *Proxy) CutAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.budget = n
	for l := range p.conns {
		l.left = n
	}
}

// Refuse makes the proxy close new connections at once (the server is
// "down") while on is true.
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	p.refuse = on
	p.mu.Unlock()
}

// Heal disarms CutAfter and Refuse; connections made from now on work.
func (p *Proxy) Heal() {
	p.CutAfter(-1)
	p.Refuse(false)
}

// Close stops accepting, cuts every connection and waits for the proxy's
// goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.CutAll()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.accepted.Add(1)
		p.mu.Lock()
		if p.closed || p.refuse {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.mu.Unlock()
		s, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		l := &link{client: c, server: s}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			s.Close()
			continue
		}
		l.left = p.budget
		p.conns[l] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(l, l.server, l.client)
		go p.pipe(l, l.client, l.server)
	}
}

// pipe copies from src to dst until either side fails or the link is cut.
// An orderly EOF is passed on as a half-close; the link is forgotten once
// both directions have ended.
func (p *Proxy) pipe(l *link, dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			allowed, cut := p.take(l, n)
			if allowed > 0 {
				p.forward.Add(int64(allowed))
				if _, werr := dst.Write(buf[:allowed]); werr != nil {
					p.drop(l, true)
					return
				}
			}
			if cut {
				p.drop(l, true)
				return
			}
		}
		if err != nil {
			tc, ok := dst.(*net.TCPConn)
			if !errors.Is(err, io.EOF) {
				p.drop(l, true)
				return
			}
			if ok && l.ended.Add(1) < 2 {
				tc.CloseWrite()
				return
			}
			p.drop(l, false)
			return
		}
	}
}

// take charges n bytes to the link's budget and returns how many of them may
// pass and whether the link must be cut after them.
func (p *Proxy) take(l *link, n int) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l.left < 0 {
		return n, false
	}
	if int64(n) < l.left {
		l.left -= int64(n)
		return n, false
	}
	allowed := int(l.left)
	l.left = 0
	return allowed, true
}

// cut closes both sides of a link, once. A fault closes them abruptly (RST
// where the OS allows) and counts as a cut; an orderly end just closes.
func (p *Proxy) cut(l *link, fault bool) {
	l.once.Do(func() {
		if fault {
			p.cuts.Add(1)
		}
		for _, c := range []net.Conn{l.client, l.server} {
			if tc, ok := c.(*net.TCPConn); ok && fault {
				tc.SetLinger(0)
			}
			c.Close()
		}
	})
}

// drop closes a link whose copy ended and forgets it.
func (p *Proxy) drop(l *link, fault bool) {
	p.cut(l, fault)
	p.mu.Lock()
	delete(p.conns, l)
	p.mu.Unlock()
}
