// Package dynamotest starts a real DynamoDB-protocol server on 127.0.0.1 for tests —
// Amazon's DynamoDB Local (transactions, TTL) or dynalite (faster, no transactions) —
// and creates the tables of dynamo.Tables in it under names unique to each test.
package dynamotest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/smelisting/alliance/functions/dynamo"
)

// Server is a running DynamoDB-protocol server process.
type Server struct {
	Endpoint string // e.g. http://127.0.0.1:41234
	Client   *dynamodb.Client
	cmd      *exec.Cmd
}

// Root returns the module root: $ALLIANCE_ROOT, else the nearest folder above the working
// directory that holds go.mod.
func Root() (string, error) {
	if r := os.Getenv("ALLIANCE_ROOT"); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("dynamotest: no go.mod above the working directory")
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartLocal starts Amazon's DynamoDB Local in memory on a free port. It listens on every
// interface (it has no bind flag), so stop it as soon as the tests end.
func StartLocal() (*Server, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, ".cache", "dynamodb-local")
	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("dynamotest: DynamoDB Local is missing (%s): run `make test-deps`", jar)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errors.New("dynamotest: java is missing: run `make test-deps` (DynamoDB Local needs Java 17)")
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return start(exec.Command(java, "-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", jar, "-inMemory", "-port", strconv.Itoa(port)), port)
}

// StartDynalite starts dynalite in memory on 127.0.0.1 and a free port.
func StartDynalite() (*Server, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cli := filepath.Join(root, "node_modules", "dynalite", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("dynamotest: dynalite is missing (%s): run `make test-deps`", cli)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return start(exec.Command("node", cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0"), port)
}

func start(cmd *exec.Cmd, port int) (*Server, error) {
	// Its own process group, and killed with the test binary even if that crashes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamotest: start %s: %w", cmd.Path, err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := dynamo.NewClient(ctx, s.Endpoint)
	if err != nil {
		s.Stop()
		return nil, err
	}
	// At most 64 connections at once: a test that sends hundreds of requests at once
	// (storetest.EventsConcurrency) still interleaves them, but does not open hundreds of
	// connections, which DynamoDB Local on a busy machine answers by resetting some.
	// (A Lambda instance sends one request at a time.)
	client = dynamodb.New(client.Options(), func(o *dynamodb.Options) {
		o.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.MaxConnsPerHost = 64 })
	})
	s.Client = client
	for {
		_, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err == nil {
			return s, nil
		}
		select {
		case <-ctx.Done():
			s.Stop()
			return nil, fmt.Errorf("dynamotest: %s did not answer on %s: %w", cmd.Path, s.Endpoint, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop ends the server process and its children (SIGKILL): from then on a
// connection to it is refused — a server that went down.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		_ = s.cmd.Wait()
	}
}

// Freeze stops the server's processes where they are (SIGSTOP): the kernel
// still accepts connections and takes requests in, but nothing answers — a
// server that hangs. Thaw resumes it.
func (s *Server) Freeze() error {
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGSTOP); err != nil {
		return fmt.Errorf("dynamotest: freeze: %w", err)
	}
	return nil
}

// Thaw resumes a frozen server (SIGCONT).
func (s *Server) Thaw() error {
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGCONT); err != nil {
		return fmt.Errorf("dynamotest: thaw: %w", err)
	}
	return nil
}

var seq atomic.Int64

// NewTables creates a fresh set of the tables of dynamo.Tables under a unique prefix
// and returns their names.
func (s *Server) NewTables(ctx context.Context) (dynamo.TableNames, error) {
	p := fmt.Sprintf("t%d-", seq.Add(1))
	d := dynamo.DefaultTableNames
	n := dynamo.TableNames{Applications: p + d.Applications, Idempotency: p + d.Idempotency, Members: p + d.Members, Dues: p + d.Dues,
		Limits: p + d.Limits, Sessions: p + d.Sessions, Registrations: p + d.Registrations, Outbox: p + d.Outbox}
	return n, dynamo.CreateTables(ctx, s.Client, n)
}
