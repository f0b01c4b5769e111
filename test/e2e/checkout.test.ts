import { checkoutSuite } from '../support/checkout-suite';
import { useStartedStack } from '../support/started-stack';

// One Redis, started by the stack itself.
const { post, get } = useStartedStack();
checkoutSuite(post, get);
