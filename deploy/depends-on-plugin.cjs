// Drops from each resource's DependsOn the resources its properties already reference (Ref,
// Fn::GetAtt, Fn::Sub): the Framework and serverless-iam-roles-per-function make every function
// depend on its role while its Role property names that role. CloudFormation orders both the
// same way, so the stack is unchanged; but cfn-lint flags each one (W3005), and a stand-in
// account (moto's ValidateTemplate) refuses the whole template for it (docs/deploy-stand-in.md).

/** The logical ids a value references, outside Fn::If branches (a condition may drop those). */
function referencedIds(value, found = new Set()) {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, found);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(inner) ? inner[0] : String(inner).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const match of String(text).matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) found.add(match[1]);
        if (Array.isArray(inner)) referencedIds(inner[1], found);
      } else if (key !== 'Fn::If') referencedIds(inner, found);
    }
  }
  return found;
}

/** Removes the DependsOn entries each resource's properties already imply; returns how many. */
function dropImpliedDependsOn(resources) {
  let dropped = 0;
  for (const resource of Object.values(resources)) {
    if (resource.DependsOn === undefined) continue;
    const implied = referencedIds(resource.Properties);
    const listed = [resource.DependsOn].flat();
    const kept = listed.filter((id) => !implied.has(id));
    dropped += listed.length - kept.length;
    if (kept.length === 0) delete resource.DependsOn;
    else resource.DependsOn = Array.isArray(resource.DependsOn) ? kept : kept[0];
  }
  return dropped;
}

class DependsOnPlugin {
  constructor(serverless) {
    this.hooks = {
      // After every plugin added its resources, before the template is written.
      'before:aws:package:finalize:saveServiceState': () => {
        dropImpliedDependsOn(serverless.service.provider.compiledCloudFormationTemplate.Resources);
      },
    };
  }
}

module.exports = DependsOnPlugin;
module.exports.dropImpliedDependsOn = dropImpliedDependsOn;
