// The build of the exchange dev environment. Every target is declared once, in the target registry
// (build/Exchange.Build/Pipeline/Targets.cs): what it does, what runs before it, when it is skipped, what it
// reaches, the options it reads and the tools it runs. `./build.sh --tree` draws the graph, `./build.sh --help`
// lists the targets. Cake compiles and hosts this script; the library (built by build.sh into build/.lib) parses
// the arguments (build.sh hands them over verbatim, one --arg=... each), runs the target and prints everything.
#r "./.lib/Exchange.Contracts.dll"
#r "./.lib/YamlDotNet.dll"
#r "./.lib/Exchange.Build.dll"

System.Environment.Exit(Exchange.Build.Cli.Entry.Main(Context.Arguments.GetArguments("arg").ToArray(), Context.Environment.WorkingDirectory.FullPath));
