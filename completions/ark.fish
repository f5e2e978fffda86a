# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ark_global_optspecs
    string join \n apps= environments= color= q/quiet v/verbose h/help V/version
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
complete -c ark -n "__fish_ark_needs_command" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_needs_command" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ark -n "__fish_ark_needs_command" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_needs_command" -f -a "validate" -d 'Check every definition (and, with -e, an environment) and list all problems'
complete -c ark -n "__fish_ark_needs_command" -f -a "deps" -d 'Show the start set of apps and the order they start in'
complete -c ark -n "__fish_ark_needs_command" -f -a "config" -d 'Show every variable an app gets in an environment, with its value and source'
complete -c ark -n "__fish_ark_needs_command" -f -a "plan" -d 'Show what a start would do, app by app, in order'
complete -c ark -n "__fish_ark_needs_command" -f -a "envs" -d 'List the environments defined on disk'
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
complete -c ark -n "__fish_ark_using_subcommand config" -l show-secrets -d 'Show values of secret-looking names (…SECRET…, …PASSWORD…, …TOKEN…, …KEY…, …CREDENTIAL…)'
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
complete -c ark -n "__fish_ark_using_subcommand plan" -l no-deps -d 'Only the named apps, not their dependencies'
complete -c ark -n "__fish_ark_using_subcommand plan" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand plan" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand plan" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand plan" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand envs" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c ark -n "__fish_ark_using_subcommand envs" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand envs" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand envs" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand envs" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand envs" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand envs" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand envs" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand completions" -l apps -d 'Folder of app definitions, or of app checkouts holding `launch/` folders (repeatable)' -r -F
complete -c ark -n "__fish_ark_using_subcommand completions" -l environments -d 'Folder of environment files (`<name>.yml`)' -r -F
complete -c ark -n "__fish_ark_using_subcommand completions" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c ark -n "__fish_ark_using_subcommand completions" -s q -l quiet -d 'Print only data and errors'
complete -c ark -n "__fish_ark_using_subcommand completions" -s v -l verbose -d 'Print more detail (what was found where, skipped files)'
complete -c ark -n "__fish_ark_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ark -n "__fish_ark_using_subcommand completions" -s V -l version -d 'Print version'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan envs completions help" -f -a "validate" -d 'Check every definition (and, with -e, an environment) and list all problems'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan envs completions help" -f -a "deps" -d 'Show the start set of apps and the order they start in'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan envs completions help" -f -a "config" -d 'Show every variable an app gets in an environment, with its value and source'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan envs completions help" -f -a "plan" -d 'Show what a start would do, app by app, in order'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan envs completions help" -f -a "envs" -d 'List the environments defined on disk'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan envs completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c ark -n "__fish_ark_using_subcommand help; and not __fish_seen_subcommand_from validate deps config plan envs completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
