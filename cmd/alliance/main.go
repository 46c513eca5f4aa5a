// Command alliance builds and serves the alliance site and runs its tools.
//
//	alliance build              render content/ with templates/ into site/
//	alliance serve              serve the site with live reload and the /api/ routes
//	alliance new event "标题"    write a new content file
//
// Each subcommand lives in its own file and parses its own flags; run
// `alliance COMMAND --help` for its usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand of alliance.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

// commands lists every subcommand; adding one is one line here plus its file.
var commands = []command{
	{"build", "render content/ with templates/ into site/", runBuild},
	{"serve", "serve the site on 127.0.0.1 with live reload and the /api/ routes", runServe},
	{"new", "write a new event, member or news file with its front matter", runNew},
	{"publish", "upload site/ to S3 and invalidate CloudFront for what changed", runPublish},
	{"admin", "the secretariat's work against the /api/admin/ API (applications, members, dues)", runAdmin},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "alliance:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:])
		}
	}
	usage()
	return fmt.Errorf("unknown command %q", args[0])
}

func usage() {
	fmt.Fprintln(os.Stderr, "Usage: alliance COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(os.Stderr, "\nExample:\n  alliance serve --addr 127.0.0.1:1313\n\nRun `alliance COMMAND --help` for the flags of a command.")
}

// newFlagSet returns a flag set whose usage prints a synopsis, an example and the flags.
func newFlagSet(name, synopsis, example string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: alliance %s\n\nExample:\n  %s\n\nFlags:\n", synopsis, example)
		fs.PrintDefaults()
	}
	return fs
}
