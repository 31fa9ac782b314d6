import { globalFlags } from './CommandContext';

describe('globalFlags: the cluster flags taken out of a command line wherever they stand', () => {
  it.each<[string[], string[], Record<string, string>]>([
    [['-n', 'shop', 'list', 'rollouts'], ['list', 'rollouts'], { namespace: 'shop' }],
    [['list', 'rollouts', '-n', 'shop'], ['list', 'rollouts'], { namespace: 'shop' }],
    [['list', '--namespace', 'shop', 'rollouts'], ['list', 'rollouts'], { namespace: 'shop' }],
    [['-nshop', 'status', 'demo'], ['status', 'demo'], { namespace: 'shop' }],
    [['-n=shop', 'status', 'demo'], ['status', 'demo'], { namespace: 'shop' }],
    [['--namespace=shop', '--kubeconfig=/k', '--context=prod', 'get', 'ro', 'demo'], ['get', 'ro', 'demo'], { namespace: 'shop', kubeconfig: '/k', context: 'prod' }],
    [['--kubeconfig', '/k', 'promote', 'demo', '--context', 'prod', '--full'], ['promote', 'demo', '--full'], { kubeconfig: '/k', context: 'prod' }],
    // the last wins, as kubectl
    [['-n', 'a', 'list', 'rollouts', '-n', 'b'], ['list', 'rollouts'], { namespace: 'b' }],
    // without a value the flag stays, for commander to report it missing
    [['list', 'rollouts', '-n'], ['list', 'rollouts', '-n'], {}],
    // after -- nothing is a flag
    [['-n', 'a', 'plan', '--', '-n', 'b'], ['plan', '--', '-n', 'b'], { namespace: 'a' }],
    [['list', 'rollouts', '-n', '--'], ['list', 'rollouts', '-n', '--'], {}],
    // other flags are left alone, --name is not --namespace
    [['list', 'rollouts', '--name', 'demo', '-w'], ['list', 'rollouts', '--name', 'demo', '-w'], {}],
  ])('%j', (argv, rest, flags) => {
    expect(globalFlags(argv)).toEqual({ argv: rest, flags });
  });

  it.each<[string[], string[]]>([
    [['-A', 'list', 'rollouts'], ['list', 'rollouts', '-A']],
    [['--all-namespaces', '-n', 'x', 'list', 'experiments', '-o', 'json'], ['list', 'experiments', '-o', 'json', '--all-namespaces']],
    [['list', 'rollouts', '-A'], ['list', 'rollouts', '-A']],
    [['-A', 'list', 'rollouts', '--', 'x'], ['list', 'rollouts', '-A', '--', 'x']],
  ])('-A before the command moves after it: %j', (argv, rest) => {
    expect(globalFlags(argv).argv).toEqual(rest);
  });
});
