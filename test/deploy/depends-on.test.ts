import { productionPackage } from './support/package';

// deploy/depends-on-plugin.cjs: no resource of the production template lists in DependsOn what
// its properties already reference (cfn-lint W3005, which moto's ValidateTemplate refuses; see
// docs/deploy-stand-in.md), and the orderings nothing else implies stay.
const { dropImpliedDependsOn } = require('../../deploy/depends-on-plugin.cjs');

const prod = productionPackage();

/** Every logical id a value references through Ref, Fn::GetAtt or Fn::Sub. */
function references(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => references(item, found));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref') found.add(String(inner));
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(inner) ? String(inner[0]) : String(inner).split('.')[0]);
      else if (key === 'Fn::Sub') for (const match of JSON.stringify(inner).matchAll(/\$\{([A-Za-z0-9]+)/g)) found.add(match[1]);
      if (key !== 'Fn::If') references(inner, found);
    }
  }
  return found;
}

describe('DependsOn in the production template', () => {
  it('names nothing its resource already references', () => {
    const redundant = Object.entries(prod().template.Resources).flatMap(([id, resource]) => {
      const referenced = references(resource.Properties);
      return [resource.DependsOn ?? []]
        .flat()
        .filter((dependency) => referenced.has(dependency as string))
        .map((dependency) => `${id} → ${dependency}`);
    });
    expect(redundant).toEqual([]);
  });

  it('keeps each function waiting for its log group, which its properties do not name', () => {
    const functions = Object.entries(prod().template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions)
      expect({ id, dependsOn: [fn.DependsOn].flat() }).toEqual({
        id,
        dependsOn: expect.arrayContaining([id.replace(/LambdaFunction$/, 'LogGroup')]),
      });
  });

  it('drops an implied entry and keeps a list or a lone name as it was written', () => {
    const resources = {
      Fn: {
        Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Code: { 'Fn::Sub': '${Bucket}/x' } },
        DependsOn: ['Role', 'Logs', 'Bucket'],
      },
      Mapping: { Properties: { FunctionName: { Ref: 'Fn' } }, DependsOn: 'Role' },
      Only: { Properties: { Name: { Ref: 'Fn' } }, DependsOn: 'Fn' },
      Conditional: { Properties: { Name: { 'Fn::If': ['IsProd', { Ref: 'Fn' }, 'x'] } }, DependsOn: ['Fn'] },
    };
    expect(dropImpliedDependsOn(resources)).toBe(3);
    expect(resources).toEqual({
      Fn: { Properties: resources.Fn.Properties, DependsOn: ['Logs'] },
      Mapping: { Properties: resources.Mapping.Properties, DependsOn: 'Role' },
      Only: { Properties: resources.Only.Properties },
      Conditional: { Properties: resources.Conditional.Properties, DependsOn: ['Fn'] },
    });
  });
});
