import 'reflect-metadata';
import { bootSkeletonService } from '@voltstream/platform';

// Skeleton only: the domain arrives with its own issue.
bootSkeletonService('billing-command', 4201);
