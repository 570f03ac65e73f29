"""`antrian provision check|add|remove|ca|supervisor`: device configs, credentials, ACL,
certificates, supervisors' dashboard accounts."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from antrian.mqtt import BrokerSettings
from web.accounts import AccountError, Accounts

from .bundle import PASSWORD_FILE
from .configs import ROLES
from .problems import ConfigInvalid
from .provisioner import CONFIGS_ROOT, SECRETS_ROOT, Provisioner, ProvisionError, clear_retained


def register(sub: Any) -> None:
    p = sub.add_parser(
        "provision",
        help="technicians: validate device configs, add or remove devices, site CA",
        description="Provisioning for a site: configs in firmware_configs/<site>/, secrets in "
        "secrets/<site>/ (never committed). See docs/deploy.md.",
    )
    p.add_argument("--configs", type=Path, default=CONFIGS_ROOT, help="firmware_configs folder")
    p.add_argument("--secrets", type=Path, default=SECRETS_ROOT, help="secrets folder")
    ps = p.add_subparsers(dest="provision_command", metavar="ACTION", required=True)

    c = ps.add_parser("check", help="validate every device config (all sites by default)")
    c.add_argument("sites", nargs="*", metavar="SITE")
    c.set_defaults(func=_check)

    a = ps.add_parser("add", help="add a device: config, password, ACL, bundle for the Pi")
    a.add_argument("site", metavar="SITE")
    a.add_argument("role", metavar="ROLE", choices=ROLES)
    a.add_argument("device_id", metavar="DEVICE_ID")
    a.add_argument(
        "--new-password",
        action="store_true",
        help="rotate the device's MQTT password (a re-run keeps it by default); the device "
        "is locked out at the next broker reload until it has the new bundle",
    )
    a.set_defaults(func=_add)

    r = ps.add_parser("remove", help="revoke a device: password, ACL, retained topics")
    r.add_argument("site", metavar="SITE")
    r.add_argument("device_id", metavar="DEVICE_ID")
    r.add_argument("--delete-config", action="store_true", help="also delete its device file")
    r.add_argument(
        "--keep-retained", action="store_true", help="do not connect to clear its retained topics"
    )
    r.add_argument("--broker-host", default="127.0.0.1")
    r.add_argument("--broker-port", type=int, default=1883)
    r.add_argument(
        "--password-file",
        type=Path,
        help="central's MQTT password (default: its bundle in the secrets folder)",
    )
    r.set_defaults(func=_remove)

    ca = ps.add_parser("ca", help="create the site CA (once) and the broker's certificate")
    ca.add_argument("site", metavar="SITE")
    ca.add_argument(
        "--force", action="store_true", help="replace the CA: every device then needs a new bundle"
    )
    ca.set_defaults(func=_ca)

    s = ps.add_parser(
        "supervisor",
        help="add a supervisor's dashboard account, change its password, or remove it",
        description="Writes secrets/<site>/supervisors.yaml (scrypt hashes), which the web "
        "node reads (its `supervisors` setting). Asks for the password twice unless "
        "--password-stdin.",
    )
    s.add_argument("site", metavar="SITE")
    s.add_argument("supervisor_id", metavar="ID", help="login name, e.g. siti")
    s.add_argument("--name", help="full name shown on the dashboard (default: the current one)")
    s.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    s.add_argument("--remove", action="store_true", help="remove the account")
    s.set_defaults(func=_supervisor)


def _check(args: argparse.Namespace) -> int:
    root: Path = args.configs
    sites = args.sites or sorted(p.name for p in root.iterdir() if p.is_dir())
    bad = 0
    for site in sites:
        try:
            prov = Provisioner(site, root, args.secrets)
            survey = prov.check()
        except ProvisionError as exc:
            print(f"{site}: {exc}", file=sys.stderr)
            bad += 1
            continue
        except ConfigInvalid as exc:  # site.yaml itself, which the site's id comes from
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            bad += len(exc.problems)
            continue
        devices, problems = survey.devices, survey.problems
        for problem in problems:
            print(problem, file=sys.stderr)
        bad += len(problems)
        broken = {str(p.file) for p in problems} | {d for p in problems for d in p.devices}
        for d in devices:
            mark = "ERR" if {str(d.path), d.node_id} & broken else "ok "
            print(f"{mark} {site}/{d.node_id} ({d.role}) {d.path}")
        for note in prov.configs.coverage_notes(survey):
            print(f"note: {site}: {note}")
    if bad:
        print(
            f"{bad} problem(s): fix them and run `antrian provision check` again", file=sys.stderr
        )
        return 1
    print("every config is valid")
    return 0


def _add(args: argparse.Namespace) -> int:
    try:
        prov = Provisioner(args.site, args.configs, args.secrets)
        had = prov.holds_password(args.device_id)
        bundle = prov.add(args.role, args.device_id, rotate=args.new_password)
    except (ProvisionError, ConfigInvalid) as exc:
        print(exc, file=sys.stderr)
        return 1
    done = "refreshed" if had else "added"
    print(f"{done} {args.device_id} ({args.role}) of site {prov.site}")
    if had and not args.new_password:
        print("  password kept: the running device stays connected")
    elif had:
        print("  NEW password: once the broker reloads, the device connects only with this bundle")
    print(f"  bundle for the device: {bundle}")
    if args.role == "central":
        folder = prov.delivery_folder(args.device_id)
        if folder is not None:
            print(
                f"  central delivers the device configs it reads from {folder}: keep this "
                "repository there, readable by user antrian (docs/deploy.md)"
            )
    print(f"  broker files: {prov.paths.passwd}, {prov.paths.acl}")
    print(
        "  on the server: install the broker files and `systemctl reload mosquitto` "
        "(docs/deploy.md)"
    )
    return 0


def _central_broker(prov: Provisioner, args: argparse.Namespace) -> BrokerSettings:
    pw = args.password_file or prov.paths.bundles / "central" / PASSWORD_FILE
    if not Path(pw).is_file():
        raise ProvisionError(
            f"no central password at {pw}: nothing changed; pass --password-file "
            "(on the server: /etc/antrian/mqtt-password), or --keep-retained"
        )
    return BrokerSettings(
        host=args.broker_host, port=args.broker_port, username="central", password_file=str(pw)
    )


def _clear_fleet_row(prov: Provisioner, args: argparse.Namespace) -> int:
    try:
        clear_retained(_central_broker(prov, args), prov.site, args.device_id)
    except ProvisionError as exc:
        print(f"{exc}: nothing changed", file=sys.stderr)
        return 1
    print(
        f"{args.device_id}: not a device of site {prov.site} (no password, no device file); "
        "cleared its retained status and config, so central drops its fleet row"
    )
    return 0


def _remove(args: argparse.Namespace) -> int:
    try:
        prov = Provisioner(args.site, args.configs, args.secrets)
        if not args.keep_retained and not prov.known(args.device_id):
            # Not a device of this site, but it may have a row in the fleet (a retained
            # status from before authorization, or a tool): clearing it removes the row.
            return _clear_fleet_row(prov, args)
        # Every input is checked before anything changes: an error must mean nothing happened.
        removal = prov.removable(args.device_id, delete_config=args.delete_config)
        if not args.keep_retained:
            pw = args.password_file or prov.paths.bundles / "central" / PASSWORD_FILE
            if not Path(pw).is_file():
                raise ProvisionError(
                    f"no central password at {pw}: nothing changed; pass --password-file "
                    "(on the server: /etc/antrian/mqtt-password), or --keep-retained"
                )
            broker = BrokerSettings(
                host=args.broker_host,
                port=args.broker_port,
                username="central",
                password_file=str(pw),
            )
            # Before the local changes: an unreachable broker also leaves everything as it was.
            # Only file writes can fail after it (disk full); the retained topics are then
            # gone while the device is still provisioned, and a re-run finishes the removal.
            try:
                clear_retained(broker, prov.site, args.device_id)
            except ProvisionError as exc:
                raise ProvisionError(
                    f"{exc}: nothing changed; check --broker-host/--broker-port, or pass "
                    "--keep-retained"
                ) from None
    except ProvisionError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ConfigInvalid as exc:
        print(f"{exc}\nnothing changed: fix the file(s) above and run it again", file=sys.stderr)
        return 1
    had = prov.apply_removal(removal)
    device = removal.device
    done = ["password" if had else "no password to revoke", "ACL entry", "bundle"]
    if not args.keep_retained:
        done.append("retained status/ and config/ topics")
    print(f"{args.device_id}: removed {', '.join(done)}")
    print(
        f"  next: install {prov.paths.passwd} and {prov.paths.acl} in /etc/mosquitto/antrian/ "
        "and `systemctl reload mosquitto` (docs/deploy.md)"
    )
    if args.keep_retained:
        print(
            "  left: its retained status/ and config/ topics on the broker (--keep-retained); "
            f"after the reload, `antrian provision remove {prov.site} {args.device_id}` "
            "clears them"
        )
    if device is not None and not args.delete_config:
        again = f"antrian provision remove {prov.site} {args.device_id} --delete-config"
        how = f"run `{again}`" if device.layered else "delete it by hand (a standalone file)"
        print(
            f"  left: {device.path}: central publishes its config again at its next start or "
            f"the next change in the site folder; to stop that, {how}"
        )
    return 0


def _ca(args: argparse.Namespace) -> int:
    try:
        prov = Provisioner(args.site, args.configs, args.secrets)
        names = prov.create_ca(force=args.force)
    except (ProvisionError, ConfigInvalid) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"site CA: {prov.paths.ca.cert}")
    print(f"broker certificate for {', '.join(names)}: {prov.paths.server.cert}")
    print(f"broker config: {prov.paths.broker_conf}")
    return 0


def _supervisor(args: argparse.Namespace) -> int:

    if not (Path(args.configs) / args.site).is_dir():
        print(f"no site {args.site!r} under {args.configs}: check the name", file=sys.stderr)
        return 1
    path = Path(args.secrets) / args.site / "supervisors.yaml"
    try:
        accounts = Accounts.load(path)
        if args.remove:
            accounts.without(args.supervisor_id).save(path)
            print(f"removed supervisor {args.supervisor_id} from {path}")
            print("  install the file on the web node; its sessions end when it reloads")
            return 0
        known = accounts.by_id.get(args.supervisor_id)
        name = args.name or (known.name if known else None)
        if not name:
            raise AccountError("a new supervisor needs --name 'Full Name'")
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password for {args.supervisor_id}: ")
            if getpass.getpass("again: ") != password:
                raise AccountError("the two passwords differ: nothing changed")
        accounts.with_account(args.supervisor_id, name, password).save(path)
    except AccountError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{'updated' if known else 'added'} supervisor {args.supervisor_id} ({name}) in {path}")
    print("  install it on the web node as its `supervisors` file (docs/deploy.md)")
    return 0
