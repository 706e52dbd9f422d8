# sluice.bash - bash completion for sluice: subcommands, their options,
# topic names from /dev/shm (echo, hz, pub) and plugin names (inspect).
# Installed as share/bash-completion/completions/sluice.

# Topic names: the segments in /dev/shm, as /NAME.  Only names (no /sem.*
# semaphores); whether each is a valid topic is for sluice ls to say.
_sluice_topics()
{
	local f
	for f in /dev/shm/*; do
		[[ -f $f ]] || continue
		f=${f##*/}
		[[ $f == sem.* ]] && continue
		printf '/%s\n' "$f"
	done
}

# Plugin names: NAME for each NAME.so on the search path, as sluice inspect
# looks them up ($SLUICE_PLUGIN_PATH, then lib/sluice/plugins beside the
# sluice that would run, as installed or in a build tree).
_sluice_plugins()
{
	local dirs=() d f bin
	local IFS=:
	[[ -n ${SLUICE_PLUGIN_PATH-} ]] && dirs+=($SLUICE_PLUGIN_PATH)
	unset IFS
	bin=$(type -P sluice 2>/dev/null)
	[[ -n $bin ]] && dirs+=("${bin%/*}/../lib/sluice/plugins")
	for d in "${dirs[@]}"; do
		for f in "$d"/*.so; do
			[[ -f $f ]] || continue
			f=${f##*/}
			printf '%s\n' "${f%.so}"
		done
	done
}

_sluice()
{
	local cur prev cmd i opts
	local cmds="run ls echo hz pub inspect clean record info play bridge"

	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# The subcommand is the first word after sluice that is not an option.
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} != -* ]]; then
			cmd=${COMP_WORDS[i]}
			break
		fi
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
		return 0
	fi

	# Options that take a value: complete the value, or nothing.
	case $prev in
	--summary | -o | --recover)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	--compression)
		COMPREPLY=($(compgen -W "none zstd lz4" -- "$cur"))
		return 0 ;;
	--schema)
		COMPREPLY=($(compgen -f -X '!*.bfbs' -- "$cur") $(compgen -f -X '!*.fbs' -- "$cur") $(compgen -d -- "$cur"))
		return 0 ;;
	--duration | --name | --window | --prefix | --grace | -n | --rate | --type | \
	--slot-size | --slots | --pipeline | --chunk-size | --start)
		return 0 ;;
	--out | --in)
		COMPREPLY=($(compgen -W "$(_sluice_topics)" -- "$cur"))
		return 0 ;;
	--domain)
		return 0 ;;
	--config)
		COMPREPLY=($(compgen -f -X '!*.xml' -- "$cur") $(compgen -d -- "$cur"))
		return 0 ;;
	esac

	case $cmd in
	run) opts="--duration --threads --summary --keep --name --quiet --check --help" ;;
	ls) opts="--json --window --prefix --help" ;;
	echo) opts="-n --oldest --wait --pipeline --help" ;;
	hz) opts="--duration --wait --pipeline --help" ;;
	pub) opts="--rate -n --pipeline --type --schema --slot-size --slots --help" ;;
	inspect) opts="--help" ;;
	clean) opts="--dry-run -v --grace --prefix --help" ;;
	record) opts="-o --all --prefix --duration --compression --chunk-size --recover --help" ;;
	info) opts="--json --recover -o --help" ;;
	play) opts="--rate --loop --topics --start --prefix --help" ;;
	bridge) opts="--out --in --all --domain --config --prefix --pipeline --verbose --help" ;;
	*) return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return 0
	fi

	# The positional argument: only the first one after the subcommand.
	local npos=0
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--summary | --schema | --duration | --name | --window | --prefix | --grace | \
		-n | --rate | --type | --slot-size | --slots | --pipeline | -o | --recover | \
		--compression | --chunk-size | --start)
			((i++)) ;;
		-*) ;;
		*) ((npos++)) ;;
		esac
	done
	((npos == 0)) || return 0
	case $cmd in
	run)
		COMPREPLY=($(compgen -f -X '!*.yaml' -- "$cur") $(compgen -f -X '!*.yml' -- "$cur") $(compgen -d -- "$cur")) ;;
	echo | hz | pub | record)
		COMPREPLY=($(compgen -W "$(_sluice_topics)" -- "$cur")) ;;
	info | play)
		COMPREPLY=($(compgen -f -X '!*.mcap' -- "$cur") $(compgen -d -- "$cur")) ;;
	inspect)
		COMPREPLY=($(compgen -W "$(_sluice_plugins)" -- "$cur")) ;;
	esac
	return 0
}
complete -F _sluice sluice
