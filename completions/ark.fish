# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ark_global_optspecs
    string join \n apps= environments= color= q/quiet v/verbose H/host= context= h/help V/version
end

function __fish_ark_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ark_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ark_using_subcommand
    set -l cmd (__fish_ark_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ark -n "__fish_ark_needs_command" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_needs_command" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_needs_command" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_needs_command" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_needs_command" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_needs_command" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_needs_command" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ark -n "__fish_ark_needs_command" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_needs_command" -f -a "validate" -d 'Check every definition (and, with -e, an environment) and list all problems'
complete -c ark -n "__fish_ark_needs_command" -f -a "deps" -d 'Show the start set of apps and the order they start in'
complete -c ark -n "__fish_ark_needs_command" -f -a "config" -d 'Show every variable an app gets in an environment, with its value and source'
complete -c ark -n "__fish_ark_needs_command" -f -a "plan" -d 'Show what a start would do, app by app, in order'
complete -c ark -n "__fish_ark_needs_command" -f -a "start" -d 'Start apps and everything they depend on, in order, and wait until all are ready'
complete -c ark -n "__fish_ark_needs_command" -f -a "status" -d 'Show environments on the engine, or one environment\'s apps'
complete -c ark -n "__fish_ark_needs_command" -f -a "ps" -d 'Show environments on the engine, or one environment\'s apps'
complete -c ark -n "__fish_ark_needs_command" -f -a "stop" -d 'Stop apps (dependents first), keeping their containers'
complete -c ark -n "__fish_ark_needs_command" -f -a "restart" -d 'Restart apps, stopping and restarting what depends on them around them'
complete -c ark -n "__fish_ark_needs_command" -f -a "down" -d 'Remove an environment: its containers and network (and volumes with --volumes)'
complete -c ark -n "__fish_ark_needs_command" -f -a "logs" -d 'Show apps\' output (stdout and stderr), merged in time order, or follow it with -f'
complete -c ark -n "__fish_ark_needs_command" -f -a "exec" -d 'Run a command in an app\'s container (a TTY when interactive; its exit code is ark\'s)'
complete -c ark -n "__fish_ark_needs_command" -f -a "metrics" -d 'Show live CPU, memory, network and disk use of an environment\'s running apps'
complete -c ark -n "__fish_ark_needs_command" -f -a "top" -d 'Show live CPU, memory, network and disk use of an environment\'s running apps'
complete -c ark -n "__fish_ark_needs_command" -f -a "envs" -d 'List the environments defined on disk and running on the engine'
complete -c ark -n "__fish_ark_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c ark -n "__fish_ark_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ark -n "__fish_ark_using_subcommand validate" -s e -l environment -d 'Also check this environment: its files and a value for every declared variable' -r
complete -c ark -n "__fish_ark_using_subcommand validate" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand validate" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand validate" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand validate" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand validate" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand validate" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand validate" -l strict -d 'Treat warnings as errors'
complete -c ark -n "__fish_ark_using_subcommand validate" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand validate" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand validate" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand validate" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand deps" -s o -l output -d 'Output format' -r -f -a "tree\t''
dot\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand deps" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand deps" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand deps" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand deps" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand deps" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand deps" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand deps" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand deps" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand deps" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand config" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand config" -l set -d 'Override a variable: KEY=VALUE for every app that has it, APP.KEY=VALUE for one app' -r
complete -c ark -n "__fish_ark_using_subcommand config" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
env\t''"
complete -c ark -n "__fish_ark_using_subcommand config" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand config" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand config" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand config" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand config" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand config" -l show-secrets -d 'Show values that look like secrets (by name: …PASSWORD…, …TOKEN…, …_AUTH, …_DSN, …; a URL with a password; a value read from such a shell variable)'
complete -c ark -n "__fish_ark_using_subcommand config" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand config" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand config" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand config" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand plan" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand plan" -l set -d 'Override a variable: KEY=VALUE for every app that has it, APP.KEY=VALUE for one app' -r
complete -c ark -n "__fish_ark_using_subcommand plan" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand plan" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand plan" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand plan" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand plan" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand plan" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand plan" -l no-deps -d 'Only the named apps, not their dependencies'
complete -c ark -n "__fish_ark_using_subcommand plan" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand plan" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand plan" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand plan" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand start" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand start" -l set -d 'Override a variable: KEY=VALUE for every app that has it, APP.KEY=VALUE for one app' -r
complete -c ark -n "__fish_ark_using_subcommand start" -s l -l local -d 'Build from the local checkout: the named apps (default: the apps given), or APP=PATH' -r
complete -c ark -n "__fish_ark_using_subcommand start" -l timeout -d 'How long each app may take to become ready' -r
complete -c ark -n "__fish_ark_using_subcommand start" -l progress -d 'How to show progress' -r -f -a "auto\t'Live lines on a terminal, plain lines otherwise'
tty\t''
plain\t''
json\t''
quiet\t''"
complete -c ark -n "__fish_ark_using_subcommand start" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand start" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand start" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand start" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand start" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand start" -l no-deps -d 'Only the named apps, not their dependencies'
complete -c ark -n "__fish_ark_using_subcommand start" -l dry-run -d 'Print the plan and change nothing'
complete -c ark -n "__fish_ark_using_subcommand start" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand start" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ark -n "__fish_ark_using_subcommand start" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand status" -s e -l environment -d 'One environment\'s apps (default: every environment on the engine)' -r
complete -c ark -n "__fish_ark_using_subcommand status" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand status" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand status" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand status" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand status" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand status" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand status" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand status" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand status" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand status" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand ps" -s e -l environment -d 'One environment\'s apps (default: every environment on the engine)' -r
complete -c ark -n "__fish_ark_using_subcommand ps" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand ps" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand ps" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand ps" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand ps" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand ps" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand ps" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand ps" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand ps" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand ps" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand stop" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand stop" -l progress -d 'How to show progress' -r -f -a "auto\t'Live lines on a terminal, plain lines otherwise'
tty\t''
plain\t''
json\t''
quiet\t''"
complete -c ark -n "__fish_ark_using_subcommand stop" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand stop" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand stop" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand stop" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand stop" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand stop" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand stop" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ark -n "__fish_ark_using_subcommand stop" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand restart" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand restart" -l timeout -d 'How long each app may take to become ready' -r
complete -c ark -n "__fish_ark_using_subcommand restart" -l progress -d 'How to show progress' -r -f -a "auto\t'Live lines on a terminal, plain lines otherwise'
tty\t''
plain\t''
json\t''
quiet\t''"
complete -c ark -n "__fish_ark_using_subcommand restart" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand restart" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand restart" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand restart" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand restart" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand restart" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand restart" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ark -n "__fish_ark_using_subcommand restart" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand down" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand down" -l progress -d 'How to show progress' -r -f -a "auto\t'Live lines on a terminal, plain lines otherwise'
tty\t''
plain\t''
json\t''
quiet\t''"
complete -c ark -n "__fish_ark_using_subcommand down" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand down" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand down" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand down" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand down" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand down" -l volumes -d 'Also remove the environment\'s named volumes'
complete -c ark -n "__fish_ark_using_subcommand down" -s y -l yes -d 'Do not ask before removing from a remote engine (needed there without a terminal)'
complete -c ark -n "__fish_ark_using_subcommand down" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand down" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ark -n "__fish_ark_using_subcommand down" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand logs" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand logs" -l since -d 'Only lines from this long ago (10m, 1h30m) or from this RFC 3339 time on' -r
complete -c ark -n "__fish_ark_using_subcommand logs" -l until -d 'Only lines from before this long ago or before this RFC 3339 time' -r
complete -c ark -n "__fish_ark_using_subcommand logs" -s n -l tail -d 'Only each app\'s last N lines' -r
complete -c ark -n "__fish_ark_using_subcommand logs" -l grep -d 'Only lines matching this regular expression' -r
complete -c ark -n "__fish_ark_using_subcommand logs" -s o -l output -d 'Output format: text, or one JSON object per line {ts, app, stream, line}' -r -f -a "text\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand logs" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand logs" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand logs" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand logs" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand logs" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand logs" -s f -l follow -d 'Keep printing new lines, across restarts and recreations, until Ctrl-C'
complete -c ark -n "__fish_ark_using_subcommand logs" -s t -l timestamps -d 'Print each line\'s time (RFC 3339, nanoseconds, UTC)'
complete -c ark -n "__fish_ark_using_subcommand logs" -l no-prefix -d 'Print lines without the `app | ` prefix'
complete -c ark -n "__fish_ark_using_subcommand logs" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand logs" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand logs" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand logs" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand exec" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand exec" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand exec" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand exec" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand exec" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand exec" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand exec" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand exec" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand exec" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand exec" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand metrics" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand metrics" -s o -l output -d 'Output format (`json`: one object per app per sample, and a total)' -r -f -a "table\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand metrics" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand metrics" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand metrics" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand metrics" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand metrics" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand metrics" -l no-stream -d 'Print one sample of each app and exit'
complete -c ark -n "__fish_ark_using_subcommand metrics" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand metrics" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand metrics" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand metrics" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand top" -s e -l environment -d 'Environment name (default: ARK_ENVIRONMENT, or `environment:` in your ark config)' -r
complete -c ark -n "__fish_ark_using_subcommand top" -s o -l output -d 'Output format (`json`: one object per app per sample, and a total)' -r -f -a "table\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand top" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand top" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand top" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand top" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand top" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand top" -l no-stream -d 'Print one sample of each app and exit'
complete -c ark -n "__fish_ark_using_subcommand top" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand top" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand top" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand top" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand envs" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand envs" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand envs" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand envs" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand envs" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand envs" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand envs" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand envs" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand envs" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand envs" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand completions" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand completions" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand completions" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand completions" -s H -l host -d 'Container engine to use, e.g. unix:///var/run/docker.sock or tcp://host:2375 (default: the environment\'s target, DOCKER_HOST, the docker context, the local socket)' -r
complete -c ark -n "__fish_ark_using_subcommand completions" -l context -d 'Docker context to use (default: DOCKER_CONTEXT, or the docker CLI\'s current context); an environment\'s target beats it' -r
complete -c ark -n "__fish_ark_using_subcommand completions" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand completions" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand completions" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "validate" -d 'Check every definition (and, with -e, an environment) and list all problems'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "deps" -d 'Show the start set of apps and the order they start in'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "config" -d 'Show every variable an app gets in an environment, with its value and source'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "plan" -d 'Show what a start would do, app by app, in order'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "start" -d 'Start apps and everything they depend on, in order, and wait until all are ready'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "status" -d 'Show environments on the engine, or one environment\'s apps'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "stop" -d 'Stop apps (dependents first), keeping their containers'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "restart" -d 'Restart apps, stopping and restarting what depends on them around them'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "down" -d 'Remove an environment: its containers and network (and volumes with --volumes)'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "logs" -d 'Show apps\' output (stdout and stderr), merged in time order, or follow it with -f'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "exec" -d 'Run a command in an app\'s container (a TTY when interactive; its exit code is ark\'s)'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "metrics" -d 'Show live CPU, memory, network and disk use of an environment\'s running apps'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "envs" -d 'List the environments defined on disk and running on the engine'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan start status stop restart down logs exec metrics envs completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
